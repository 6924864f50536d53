#!/bin/sh
# The Lucene side of the typed-field benchmark on one corpus: builds the driver, derives a query
# file (unless given), indexes, runs the queries in fresh JVMs, checks the answers and reports.
#
#   bench/peers/lucene-typed/run.sh CORPUS.jsonl SCHEMA.json [QUERIES.jsonl]
#
# Environment (defaults, as tools/peers/run.sh):
#   PEERS_WORK=/tmp/peers-work      results go to $PEERS_WORK/typed-<corpus name>/
#   PEERS_REPS=5 PEERS_FORKS=3      timed passes; query processes
#   PEERS_WARMUP=2 PEERS_WARMUP_S=20  warm-up: >= this many passes and >= this many seconds
#   PEERS_PER_CLASS=100 PEERS_SEED=42  query derivation (typed_queries.py)
#   PEERS_LUCENE_RAM_MB=256 PEERS_JAVA_OPTS PEERS_OPTIMIZE=1  as the Lucene peer
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { sed -n '2,16p' "$0"; exit 2; }
corpus=$1; schema=$2
[ -f "$corpus" ] || { echo "no corpus $corpus" >&2; exit 1; }
[ -f "$schema" ] || { echo "no schema $schema" >&2; exit 1; }
name=$(basename "$corpus" .jsonl)
WORK=${PEERS_WORK:-/tmp/peers-work}/typed-$name
E=$WORK/lucene-typed
mkdir -p "$E"
log() { echo "== $(date +%H:%M:%S) $*" >&2; }

"$HERE/build.sh" || { echo "build failed" >&2; exit 1; }
Q=$WORK/queries.jsonl
if [ $# -ge 3 ]; then
    cp "$3" "$Q"
else
    log "deriving queries from $corpus"
    python3 "$HERE/typed_queries.py" "$corpus" "$schema" --per-class "${PEERS_PER_CLASS:-100}" \
        --seed "${PEERS_SEED:-42}" --out "$Q" || exit 1
fi
rm -rf "$E/index" "$E"/results.*.jsonl "$E"/query.*.log
log "lucene-typed: index"
"$HERE/bench" index "$corpus" "$schema" "$E/index" > "$E/index.log" 2>&1 \
    || { cat "$E/index.log" >&2; exit 1; }
grep -v '^@' "$E/index.log" >&2
k=1
while [ "$k" -le "${PEERS_FORKS:-3}" ]; do
    log "lucene-typed: query fork $k"
    "$HERE/bench" query "$E/index" "$schema" "$Q" --reps "${PEERS_REPS:-5}" --warmup "${PEERS_WARMUP:-2}" \
        --warmup-s "${PEERS_WARMUP_S:-20}" --out "$E/results.$k.jsonl" > "$E/query.$k.log" 2>&1 \
        || { cat "$E/query.$k.log" >&2; exit 1; }
    k=$((k + 1))
done
{
    echo "# typed run: corpus=$corpus ($(du -m "$corpus" | cut -f1) MB) schema=$schema date=$(date -Is)"
    echo "# host: $(nproc) cpus, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1); java: $(java -version 2>&1 | head -n1)"
    echo "# forks=${PEERS_FORKS:-3} reps=${PEERS_REPS:-5} warmup>=${PEERS_WARMUP:-2} passes & >=${PEERS_WARMUP_S:-20}s; queries: $(grep -vc '^#' "$Q") in $Q"
    python3 "$HERE/report.py" "$WORK"
    python3 "$HERE/check.py" "$corpus" "$schema" "$Q" "$E/results.1.jsonl"
} > "$WORK/report.txt" 2>&1
cat "$WORK/report.txt"
