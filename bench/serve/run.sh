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
# CPUS (e.g. "0" to pin the server to one core with taskset; default: all), CONNECTIONS
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
python3 - "$QUERIES" >"$WORK/queries.url" <<'PY'
import json, random, sys, urllib.parse
# Shuffled (fixed seed): the file is grouped by query class, and a short run covers only part.
queries = [json.loads(line)["query"] for line in open(sys.argv[1])]
random.Random(1).shuffle(queries)
for q in queries:
    print(urllib.parse.quote(q, safe=""))
PY
export QUERIES_FILE=$WORK/queries.url

pin=()
[ -z "${CPUS:-}" ] || pin=(taskset -c "$CPUS")
exec 3< <("${pin[@]}" "$BUILD_DIR/trawl-serve" --index "$index" --listen 127.0.0.1:0 \
            --threads "$THREADS" --max-waiting 100000 2>"$WORK/server.log")
server_pid=$!  # the process substitution's, which taskset replaces with the server
read -r first <&3 || { echo "trawl-serve did not start (is another writer on $index?)" >&2; exit 1; }
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
      "p50 %.2f ms, p99 %.2f ms" % (len(took), len(took) / wall, pct(50), pct(99)))
PY
