#!/usr/bin/env bash
# trawl-serve under load: throughput and latency (p50/p99) of GET /search with the
# search-benchmark-game's queries at concurrency 1, 8 and 64, with wrk (Debian's wrk), and
# GET /health as the floor of HTTP overhead; the same queries in-process through the library
# (trawl-latency-bench, TOP_10) for comparison. Not a timed test.
#
#   bench/serve/run.sh [CORPUS.jsonl]
#
# CORPUS defaults to the peers' mixed corpus (/tmp/peers-corpus/mixed.jsonl, built by
# ../shared/tools/peers/corpus.py). Environment: BUILD_DIR (build), WORK (/tmp/trawl-serve-bench:
# the index and the query list), DURATION (10s per run), THREADS (server threads, 8),
# CPUS (e.g. "0" to pin the server to one core with taskset; default: all), CONNECTIONS
# ("1 8 64"), QUERIES (the game's queries.txt).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
WORK=${WORK:-/tmp/trawl-serve-bench}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-8}
CONNECTIONS=${CONNECTIONS:-1 8 64}
QUERIES=${QUERIES:-$ROOT/../shared/data/search-benchmark-game/queries.txt}
CORPUS=${1:-/tmp/peers-corpus/mixed.jsonl}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$WORK"
index=$WORK/index-$(basename "$CORPUS" .jsonl)
if [ ! -e "$index" ]; then
  echo "indexing $CORPUS into $index" >&2
  "$BUILD_DIR/trawl-index" --quiet --index "$index" "$CORPUS"
fi
python3 - "$QUERIES" >"$WORK/queries.url" <<'PY'
import json, sys, urllib.parse
for line in open(sys.argv[1]):
    print(urllib.parse.quote(json.loads(line)["query"], safe=""))
PY
export QUERIES_FILE=$WORK/queries.url

pin=()
[ -z "${CPUS:-}" ] || pin=(taskset -c "$CPUS")
exec 3< <("${pin[@]}" "$BUILD_DIR/trawl-serve" --index "$index" --listen 127.0.0.1:0 \
            --threads "$THREADS" --max-waiting 100000 2>/dev/null)
server_pid=$!  # the process substitution's, which taskset replaces with the server
read -r first <&3
trap 'kill -TERM $server_pid 2>/dev/null || true' EXIT
base="http://${first#listening on }"

run() {  # NAME PATH CONNECTIONS
  local out
  out=$(SEARCH_PATH="$2" wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"$DURATION" -s "$ROOT/bench/serve/queries.lua" "$base" | grep '^RESULT')
  python3 - "$1" "$3" "$out" <<'PY'
import sys
name, conns, line = sys.argv[1], sys.argv[2], sys.argv[3]
f = dict(kv.split("=") for kv in line.split()[1:])
secs = int(f["duration_us"]) / 1e6
print("| %-8s | %3s | %9.0f | %8.2f | %8.2f | %6s |" % (
    name, conns, int(f["requests"]) / secs, int(f["p50_us"]) / 1000, int(f["p99_us"]) / 1000,
    f["errors"]))
PY
}

# Warm the page cache and the searcher.
SEARCH_PATH="/search?top=10&q=" wrk -t1 -c4 -d3s -s "$ROOT/bench/serve/queries.lua" "$base" >/dev/null
echo "index: $index ($(du -sh "$index" | cut -f1)), server threads: $THREADS, cpus: ${CPUS:-all}, $DURATION per run"
echo "| request  |  c  |   req/s   | p50 (ms) | p99 (ms) | errors |"
echo "|----------|-----|-----------|----------|----------|--------|"
for c in $CONNECTIONS; do run search "/search?top=10&q=" "$c"; done
for c in $CONNECTIONS; do run health "/health?x=" "$c"; done

if [ -x "$BUILD_DIR/bench/trawl-latency-bench" ]; then
  echo
  echo "in-process (trawl-latency-bench, TOP_10, one thread):"
  "$BUILD_DIR/bench/trawl-latency-bench" "$index" "$QUERIES" --collectors TOP_10 --reps 3 --warmup-s 2 2>&1 | tail -n 12
fi
