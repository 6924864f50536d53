#!/usr/bin/env bash
# trawl-serve under load: throughput and latency (p50/p99) of GET /search with the
# search-benchmark-game's queries at concurrency 1, 8 and 64, with wrk (Debian's wrk), and
# GET /health as the floor of HTTP overhead; the same queries in-process through the library
# (trawl-search --queries: the same work per query, without HTTP) for comparison. Not a timed
# test.
#
#   bench/serve/run.sh [CORPUS.jsonl]
#
# CORPUS defaults to the peers' mixed corpus (/tmp/peers-corpus/mixed.jsonl, built by
# ../shared/tools/peers/corpus.py). Environment: BUILD_DIR (build), WORK (/tmp/trawl-serve-bench:
# the index and the query list), DURATION (10s per run), THREADS (server threads, 8),
# CPUS (e.g. "0" to pin the server to one core with taskset; default: all), CLIENT_CPUS (the
# same for wrk, e.g. "1"), CONNECTIONS
# ("1 8 64"), QUERIES (the game's queries.txt).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
WORK=${WORK:-/tmp/trawl-serve-bench}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-8}
CONNECTIONS=${CONNECTIONS:-1 8 64}
# ../shared beside the checkout (as scripts/bench.sh has it), or two levels up from a worktree.
game=data/search-benchmark-game/queries.txt
for shared in "$ROOT/../shared" "$ROOT/../../shared"; do
  [ -z "${QUERIES:-}" ] && [ -f "$shared/$game" ] && QUERIES=$shared/$game
done
QUERIES=${QUERIES:?no queries: set QUERIES to the queries.txt of the search benchmark game}
CORPUS=${1:-/tmp/peers-corpus/mixed.jsonl}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$WORK"
index=$WORK/index-$(basename "$CORPUS" .jsonl)
if [ ! -e "$index" ]; then
  echo "indexing $CORPUS into $index" >&2
  "$BUILD_DIR/trawl-index" --quiet --index "$index" "$CORPUS"
fi
python3 "$ROOT/bench/serve/queries_url.py" "$QUERIES" >"$WORK/queries.url"
export QUERIES_FILE=$WORK/queries.url

pin=()
client_pin=()
[ -z "${CPUS:-}" ] || pin=(taskset -c "$CPUS")
[ -z "${CLIENT_CPUS:-}" ] || client_pin=(taskset -c "$CLIENT_CPUS")
exec 3< <("${pin[@]}" "$BUILD_DIR/trawl-serve" --index "$index" --listen 127.0.0.1:0 \
            --threads "$THREADS" --max-waiting 100000 2>"$WORK/server.log")
server_pid=$!  # the process substitution's, which taskset replaces with the server
read -r first <&3 || { echo "trawl-serve did not start (is another writer on $index?)" >&2; exit 1; }
trap 'kill -TERM $server_pid 2>/dev/null || true' EXIT
base="http://${first#listening on }"

run() {  # NAME PATH CONNECTIONS
  local out from
  from=$(wc -l <"$WORK/server.log")
  out=$(SEARCH_PATH="$2" "${client_pin[@]}" wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"$DURATION" \
          --timeout 30s -s "$ROOT/bench/serve/queries.lua" "$base" | grep '^RESULT')
  sleep 0.2  # the last requests' log lines
  tail -n +"$((from + 1))" "$WORK/server.log" >"$WORK/run.log"
  python3 - "$1" "$3" "$out" "$WORK/run.log" <<'PY'
import sys
name, conns, line, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
f = dict(kv.split("=") for kv in line.split()[1:])
secs = int(f["duration_us"]) / 1e6
rate = int(f["requests"]) / secs
# The server's own time per request (request read to response written), from its log lines
# "GET /search 200 BYTES TIMEus".
took = sorted(int(w[-1][:-2]) / 1000 for w in (l.split() for l in open(log))
              if len(w) == 5 and w[0] == "GET" and w[-1].endswith("us"))
pct = lambda p: took[min(len(took) - 1, int(p / 100 * len(took)))] if took else float("nan")
# wrk's own percentiles are corrected for coordinated omission as if requests came at a fixed
# rate, which inflates them for a closed loop of queries of very different costs; the client's
# mean latency follows from Little's law instead: connections / throughput.
print("| %-6s | %3d | %8.0f | %9.2f | %8.2f | %8.2f | %8.2f | %8.2f | %6s |" % (
    name, conns, rate, conns / rate * 1000, pct(50), pct(99),
    int(f["p50_us"]) / 1000, int(f["p99_us"]) / 1000, f["errors"]))
PY
}

# Warm the page cache and the searcher.
SEARCH_PATH="/search?top=10&q=" "${client_pin[@]}" wrk -t1 -c4 -d3s -s "$ROOT/bench/serve/queries.lua" "$base" >/dev/null
echo "index: $index ($(du -sh "$index" | cut -f1)), server threads: $THREADS, cpus: ${CPUS:-all}, $DURATION per run"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| request | c | req/s | client mean (ms) | server p50 (ms) | server p99 (ms) | wrk p50* (ms) | wrk p99* (ms) | errors |"
echo "|--------|-----|----------|-----------|----------|----------|----------|----------|--------|"
for c in $CONNECTIONS; do run search "/search?top=10&q=" "$c"; done
for c in $CONNECTIONS; do run health "/health?x=" "$c"; done

# The same work in-process: trawl-search in batch mode runs each query as GET /search does
# (exact total, the top 10 with stored titles and snippets), one after another; took_us is the
# library's time per query, without HTTP.
echo
python3 - "$QUERIES" "$BUILD_DIR/trawl-search" "$index" <<'PY'
import json, subprocess, sys, time
queries = [json.loads(l)["query"] for l in open(sys.argv[1])]
start = time.monotonic()
out = subprocess.run([sys.argv[2], "--index", sys.argv[3], "--queries", "-", "--top", "10"],
                     input="\n".join(queries) + "\n", capture_output=True, text=True).stdout
wall = time.monotonic() - start
took = sorted(json.loads(l).get("took_us", 0) for l in out.splitlines())
pct = lambda p: took[min(len(took) - 1, int(p / 100 * len(took)))] / 1000
print("in-process (trawl-search --queries, one thread, %d queries): %.0f queries/s, "
      "mean %.2f ms, p50 %.2f ms, p99 %.2f ms" % (len(took), len(took) / wall,
                                                 sum(took) / len(took) / 1000, pct(50), pct(99)))
print("* wrk's percentiles include its coordinated-omission correction (see the script).")
PY
