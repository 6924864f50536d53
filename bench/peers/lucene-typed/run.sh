#!/bin/sh
# The typed-field benchmark on one corpus, Lucene and trawl side by side: builds both drivers,
# derives a query file (unless given), indexes with each, runs the queries in fresh processes
# (the engines alternate fork by fork, so that the shared machine's load drifts over both),
# checks the answers (against a brute-force scan, and trawl's against Lucene's) and reports.
#
#   bench/peers/lucene-typed/run.sh CORPUS.jsonl SCHEMA.json [QUERIES.jsonl]
#
# Environment (defaults, as tools/peers/run.sh):
#   PEERS_WORK=/tmp/peers-work      results go to $PEERS_WORK/typed-<corpus name>/
#   PEERS_REPS=5 PEERS_FORKS=3      timed passes; query processes per engine
#   PEERS_WARMUP=2 PEERS_WARMUP_S=20  warm-up: >= this many passes and >= this many seconds
#   PEERS_PER_CLASS=100 PEERS_SEED=42  query derivation (typed_queries.py)
#   PEERS_LUCENE_RAM_MB=256 PEERS_JAVA_OPTS PEERS_OPTIMIZE=1  as the Lucene peer
#   PEERS_TRAWL=auto                1: trawl too (a failed build stops the run); 0: Lucene only;
#                                   auto: trawl too unless its driver does not build
#   BUILD_DIR=<repo>/build          trawl's CMake build tree (configured Release with
#                                   TRAWL_BUILD_BENCH=ON if new); PEERS_TRAWL_MEMORY_MB=256
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
[ $# -ge 2 ] || { sed -n '2,22p' "$0"; exit 2; }
corpus=$1; schema=$2
[ -f "$corpus" ] || { echo "no corpus $corpus" >&2; exit 1; }
[ -f "$schema" ] || { echo "no schema $schema" >&2; exit 1; }
name=$(basename "$corpus" .jsonl)
WORK=${PEERS_WORK:-/tmp/peers-work}/typed-$name
E=$WORK/lucene-typed
T=$WORK/trawl-typed
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
TRAWL=${PEERS_TRAWL:-auto}
mkdir -p "$E"
log() { echo "== $(date +%H:%M:%S) $*" >&2; }

"$HERE/build.sh" || { echo "build failed" >&2; exit 1; }
BIN=$BUILD_DIR/bench/trawl-typed-bench
if [ "$TRAWL" != 0 ]; then
    log "building trawl-typed-bench in $BUILD_DIR"
    GENERATOR=""
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
        GENERATOR="-G Ninja"
    fi
    # shellcheck disable=SC2086  # GENERATOR is empty or two words
    if { cmake -S "$ROOT" -B "$BUILD_DIR" $GENERATOR -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
            -DTRAWL_BUILD_BENCH=ON >/dev/null \
         && cmake --build "$BUILD_DIR" -j"$(nproc)" --target trawl-typed-bench >/dev/null; } >&2 \
       && [ -x "$BIN" ]; then
        TRAWL=1
    elif [ "$TRAWL" = 1 ]; then
        echo "trawl-typed-bench did not build (PEERS_TRAWL=0 runs Lucene alone)" >&2; exit 1
    else
        log "trawl-typed-bench did not build: Lucene alone"
        TRAWL=0
    fi
fi

Q=$WORK/queries.jsonl
if [ $# -ge 3 ]; then
    cp "$3" "$Q"
else
    log "deriving queries from $corpus"
    python3 "$HERE/typed_queries.py" "$corpus" "$schema" --per-class "${PEERS_PER_CLASS:-100}" \
        --seed "${PEERS_SEED:-42}" --out "$Q" || exit 1
fi
rm -rf "$E/index" "$E"/results.*.jsonl "$E"/query.*.log "$T"
log "lucene-typed: index"
"$HERE/bench" index "$corpus" "$schema" "$E/index" > "$E/index.log" 2>&1 \
    || { cat "$E/index.log" >&2; exit 1; }
grep -v '^@' "$E/index.log" >&2
if [ "$TRAWL" = 1 ]; then
    mkdir -p "$T"
    log "trawl-typed: index"
    "$BIN" index "$corpus" "$schema" "$T/index" > "$T/index.log" 2>&1 || { cat "$T/index.log" >&2; exit 1; }
    grep -v '^@' "$T/index.log" >&2
fi
k=1
while [ "$k" -le "${PEERS_FORKS:-3}" ]; do
    log "lucene-typed: query fork $k"
    "$HERE/bench" query "$E/index" "$schema" "$Q" --reps "${PEERS_REPS:-5}" --warmup "${PEERS_WARMUP:-2}" \
        --warmup-s "${PEERS_WARMUP_S:-20}" --out "$E/results.$k.jsonl" > "$E/query.$k.log" 2>&1 \
        || { cat "$E/query.$k.log" >&2; exit 1; }
    if [ "$TRAWL" = 1 ]; then
        log "trawl-typed: query fork $k"
        "$BIN" query "$T/index" "$schema" "$Q" --reps "${PEERS_REPS:-5}" --warmup "${PEERS_WARMUP:-2}" \
            --warmup-s "${PEERS_WARMUP_S:-20}" --out "$T/results.$k.jsonl" > "$T/query.$k.log" 2>&1 \
            || { cat "$T/query.$k.log" >&2; exit 1; }
    fi
    k=$((k + 1))
done
{
    echo "# typed run: corpus=$corpus ($(du -m "$corpus" | cut -f1) MB) schema=$schema date=$(date -Is)"
    echo "# host: $(nproc) cpus, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1); java: $(java -version 2>&1 | head -n1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# forks=${PEERS_FORKS:-3} reps=${PEERS_REPS:-5} warmup>=${PEERS_WARMUP:-2} passes & >=${PEERS_WARMUP_S:-20}s; queries: $(grep -vc '^#' "$Q") in $Q"
    if [ "$TRAWL" = 1 ]; then
        python3 "$HERE/report.py" "$WORK" --engine trawl-typed --engine lucene-typed
        echo
        echo "# lucene-typed against the corpus:"
        python3 "$HERE/check.py" "$corpus" "$schema" "$Q" "$E/results.1.jsonl"
        echo "# trawl-typed against the corpus and lucene-typed:"
        python3 "$HERE/check.py" "$corpus" "$schema" "$Q" "$T/results.1.jsonl" \
            --against "$E/results.1.jsonl" --names trawl,lucene
    else
        python3 "$HERE/report.py" "$WORK"
        python3 "$HERE/check.py" "$corpus" "$schema" "$Q" "$E/results.1.jsonl"
    fi
} > "$WORK/report.txt" 2>&1
cat "$WORK/report.txt"
