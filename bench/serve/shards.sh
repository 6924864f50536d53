#!/usr/bin/env bash
# A root over shards (trawl-serve --shards) under load: throughput and latency (p50/p99) of
# GET /search with the search-benchmark-game's queries, for the corpus split into 1, 2 and 4
# shards (trawl-index --part), each served by a leaf on this machine, beside one trawl-serve
# over one index of the same corpus. wrk drives the server at concurrency 1 and 8. Not a
# timed test: on one machine the leaves share its cores, so this measures the root's
# overhead (three phases, three HTTP round trips per shard) and not the gain of more machines.
#
#   bench/serve/shards.sh [CORPUS.jsonl]
#
# CORPUS defaults to /tmp/peers-corpus/gcide.jsonl. Environment: BUILD_DIR (build), WORK
# (/tmp/trawl-shards-bench), DURATION (10s per run), CONNECTIONS ("1 8"), LEAVES ("1 2 4"),
# THREADS (threads of each server, 8), QUERIES (the game's queries.txt).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
WORK=${WORK:-/tmp/trawl-shards-bench}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-1 8}
LEAVES=${LEAVES:-1 2 4}
THREADS=${THREADS:-8}
game=data/search-benchmark-game/queries.txt
for shared in "$ROOT/../shared" "$ROOT/../../shared"; do
  [ -z "${QUERIES:-}" ] && [ -f "$shared/$game" ] && QUERIES=$shared/$game
done
QUERIES=${QUERIES:?no queries: set QUERIES to the queries.txt of the search benchmark game}
CORPUS=${1:-/tmp/peers-corpus/gcide.jsonl}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$WORK"
name=$(basename "$CORPUS" .jsonl)
index=$WORK/$name-one
[ -e "$index" ] || "$BUILD_DIR/trawl-index" --quiet --index "$index" "$CORPUS"
for n in $LEAVES; do
  for ((i = 0; i < n; i++)); do
    part=$WORK/$name-$n/part-$i
    [ -e "$part" ] || { mkdir -p "$WORK/$name-$n"; "$BUILD_DIR/trawl-index" --quiet --index "$part" --part "$i/$n" "$CORPUS"; }
  done
done
python3 "$ROOT/bench/serve/queries_url.py" "$QUERIES" >"$WORK/queries.url"
export QUERIES_FILE=$WORK/queries.url

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start_server() {  # LOG ARGS...: starts trawl-serve, sets $url
  local log=$1; shift
  exec {fd}< <("$BUILD_DIR/trawl-serve" --listen 127.0.0.1:0 --threads "$THREADS" --max-waiting 100000 "$@" 2>"$log")
  pids+=($!)
  local first
  read -r first <&$fd || { echo "trawl-serve $* did not start" >&2; exit 1; }
  url="http://${first#listening on }"
}

run() {  # NAME URL LOG CONNECTIONS
  local out from
  from=$(wc -l <"$3")
  out=$(SEARCH_PATH="/search?top=10&q=" wrk -t"$(( $4 < 2 ? 1 : 2 ))" -c"$4" -d"$DURATION" \
          --timeout 30s -s "$ROOT/bench/serve/queries.lua" "$2" | grep '^RESULT')
  sleep 0.2
  tail -n +"$((from + 1))" "$3" >"$WORK/run.log"
  python3 - "$1" "$4" "$out" "$WORK/run.log" <<'PY'
import sys
name, conns, line, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
f = dict(kv.split("=") for kv in line.split()[1:])
rate = int(f["requests"]) / (int(f["duration_us"]) / 1e6)
took = sorted(int(w[-1][:-2]) / 1000 for w in (l.split() for l in open(log))
              if len(w) == 5 and w[0] == "GET" and w[-1].endswith("us"))
pct = lambda p: took[min(len(took) - 1, int(p / 100 * len(took)))] if took else float("nan")
print("| %-14s | %2d | %7.0f | %8.2f | %8.2f | %8.2f | %6s |" % (
    name, conns, rate, conns / rate * 1000, pct(50), pct(99), f["errors"]))
PY
}

start_server "$WORK/one.log" --index "$index"
one=$url
SEARCH_PATH="/search?top=10&q=" wrk -t1 -c4 -d3s -s "$ROOT/bench/serve/queries.lua" "$one" >/dev/null
echo "corpus: $CORPUS, $(nproc) cpus (leaves, root and wrk share them), server threads: $THREADS, $DURATION per run"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| server | c | req/s | client mean (ms) | server p50 (ms) | server p99 (ms) | errors |"
echo "|----------------|----|---------|----------|----------|----------|--------|"
for c in $CONNECTIONS; do run "one index" "$one" "$WORK/one.log" "$c"; done
for n in $LEAVES; do
  shards="{\"version\": 1, \"shards\": ["
  sep=""
  for ((i = 0; i < n; i++)); do
    start_server "$WORK/leaf-$n-$i.log" --index "$WORK/$name-$n/part-$i"
    shards+="$sep{\"name\": \"part-$i\", \"leaves\": [\"$url\"]}"
    sep=","
  done
  echo "$shards]}" >"$WORK/shards-$n.json"
  start_server "$WORK/root-$n.log" --shards "$WORK/shards-$n.json"
  root=$url
  SEARCH_PATH="/search?top=10&q=" wrk -t1 -c4 -d3s -s "$ROOT/bench/serve/queries.lua" "$root" >/dev/null
  for c in $CONNECTIONS; do run "root, $n leaves" "$root" "$WORK/root-$n.log" "$c"; done
done
