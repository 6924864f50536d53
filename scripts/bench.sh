#!/usr/bin/env bash
# Benchmarks (docs/benchmarks.md has what each measures, and numbers).
#
#   scripts/bench.sh index FILE.jsonl... [OPTIONS]
#       Indexing throughput (MB/s, docs/s), with 1 and 2 threads, index size (bytes/doc, ratio to
#       the input text), peak RSS; a parse-only baseline in the same run. OPTIONS go to
#       build/bench/trawl-index-bench (--threads 1,2 --memory-mb 1024 --one-field --optimize
#       --max-docs N --keep --dir DIR --json FILE).
#   scripts/bench.sh latency INDEXDIR [QUERIES.jsonl] [OPTIONS]
#       search-benchmark-game style latency, one thread: mean/p50/p90/p99 of the per-query
#       medians per query class for TOP_10, TOP_100, TOP_1000, COUNT and TOP_10_COUNT. QUERIES
#       defaults to the game's ../shared/data/search-benchmark-game/queries.txt (its corpus is
#       Wikipedia, which we do not have: use it on the mixed peers corpus, where most of its words
#       exist), plus 100 term queries derived from its words (--derive-terms 100). OPTIONS go to
#       build/bench/trawl-latency-bench (--reps 10 --warmup-s 10 --collectors ... --json FILE).
#   scripts/bench.sh scale [SIZES...]
#       Generated corpora (trawl-gen-corpus) of 500000 1000000 2000000 docs (or SIZES): docs/s,
#       MB/s, index size and peak RSS with 1 and 2 threads at each size (linear cost: docs/s
#       about constant), then TOP_10 and COUNT latency per class on the generated queries on the
#       1-thread index (pruning: sub-linear growth). Needs ~1.8 GB for the 2M corpus plus two
#       indexes at a time (~5 GB) in $BENCH_WORK; takes ~40 minutes on 2 cores.
#   scripts/bench.sh all
#       index on the mixed peers corpus (/tmp/peers-corpus/mixed.jsonl, built with
#       ../shared/tools/peers/corpus.py if missing), latency with the game's queries on that
#       index, then scale.
#   scripts/bench.sh peers [CORPUS]
#       side-by-side run of Lucene, Xapian and trawl on CORPUS (default mixed; e.g. kjv-verses,
#       gcide, usrdoc, or a path to a JSONL file) with the shared peers harness. Results go to
#       /tmp/peers-work/<corpus>/report.txt. The harness's knobs (PEERS_FORKS, PEERS_REPS, ...)
#       pass through the environment. Needs the harness's packages: ../shared/tools/peers/setup.sh.
#
# Environment: BENCH_WORK (default /tmp/trawl-bench: generated corpora, indexes, JSON results),
# BUILD_DIR (default build), SCALE_THREADS (thread counts for the scale runs, default 1,2; the
# latency runs use the index of the first), SCALE_COLLECTORS (default TOP_10,COUNT), SCALE_REPS
# and SCALE_WARMUP_S (latency repetitions and warm-up at each size, default 10 and 5).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "$ROOT/../shared" && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BENCH_WORK=${BENCH_WORK:-/tmp/trawl-bench}
GAME_QUERIES=$SHARED/data/search-benchmark-game/queries.txt
MIXED=/tmp/peers-corpus/mixed.jsonl
usage() { sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

build() {
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" -DTRAWL_BUILD_BENCH=ON >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target trawl-gen-corpus trawl-index-bench trawl-latency-bench >&2
}
B() { echo "$BUILD_DIR/bench/$1"; }

mixed_corpus() {
  [ -s "$MIXED" ] || python3 "$SHARED/tools/peers/corpus.py" >&2
}

cmd_index() {
  [ $# -ge 1 ] || usage
  build
  "$(B trawl-index-bench)" "$@"
}

cmd_latency() {
  [ $# -ge 1 ] || usage
  local index=$1; shift
  local queries=$GAME_QUERIES
  if [ $# -ge 1 ] && [ "${1#-}" = "$1" ]; then queries=$1; shift; fi
  local extra=()
  [ "$queries" != "$GAME_QUERIES" ] || extra=(--derive-terms 100)
  build
  "$(B trawl-latency-bench)" "$index" "$queries" "${extra[@]}" "$@"
}

cmd_scale() {
  local sizes=("$@")
  [ ${#sizes[@]} -gt 0 ] || sizes=(500000 1000000 2000000)
  local max=0 n
  for n in "${sizes[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
  build
  mkdir -p "$BENCH_WORK"
  # One corpus of the largest size: the corpus of N docs is a prefix of it (--max-docs N).
  local corpus=$BENCH_WORK/gen-$max.jsonl queries=$BENCH_WORK/gen-queries.jsonl
  if [ ! -s "$corpus" ] || [ "$(cat "$corpus.done" 2>/dev/null)" != "$max" ]; then
    rm -f "$corpus.done"
    /usr/bin/time -f "generated $max docs in %es" "$(B trawl-gen-corpus)" --docs "$max" --out "$corpus" \
      --queries "$queries"
    echo "$max" >"$corpus.done"
  fi
  [ -s "$queries" ] || "$(B trawl-gen-corpus)" --out none --queries "$queries"
  local threads=${SCALE_THREADS:-1,2}
  for n in "${sizes[@]}"; do
    local dir=$BENCH_WORK/scale-$n
    echo "=== $n docs" >&2
    "$(B trawl-index-bench)" "$corpus" --max-docs "$n" --threads "$threads" --no-baseline --keep --dir "$dir" \
      --json "$BENCH_WORK/scale-$n-index.json"
    "$(B trawl-latency-bench)" "$dir/threads-${threads%%,*}" "$queries" \
      --collectors "${SCALE_COLLECTORS:-TOP_10,COUNT}" --reps "${SCALE_REPS:-10}" \
      --warmup-s "${SCALE_WARMUP_S:-5}" --json "$BENCH_WORK/scale-$n-latency.json"
    rm -rf "$dir"
  done
  python3 - "$BENCH_WORK" "${sizes[@]}" <<'EOF'
import json, math, sys
work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
idx = {n: json.load(open(f"{work}/scale-{n}-index.json")) for n in sizes}
lat = {n: json.load(open(f"{work}/scale-{n}-latency.json")) for n in sizes}
b = sizes[0]
print(f"\nscale summary ({work}); ratios are to the {b}-doc run of this invocation")
print("docs/s and MB/s over wall time; cpu docs/s over the process's CPU time (less sensitive to load")
print("from other jobs); ratio = docs/s / docs/s of the smallest size with the same thread count")
print(f"{'docs':>9} {'thr':>3} {'wall_s':>7} {'docs/s':>8} {'MB/s':>6} {'ratio':>6} {'cpu_s':>7} {'cpu docs/s':>10} "
      f"{'bytes/doc':>9} {'idx/text':>8} {'peakRSS':>8} {'segs':>4}")
first = {r["threads"]: r for r in idx[b]["runs"] if r["run"] == "index"}
for n in sizes:
    for r in idx[n]["runs"]:
        if r["run"] != "index":
            continue
        r0 = first[r["threads"]]
        print(f"{n:>9} {r['threads']:>3} {r['wall_s']:>7.1f} {r['docs_per_s']:>8.0f} {r['mb_per_s']:>6.2f} "
              f"{r['docs_per_s']/r0['docs_per_s']:>6.2f} {r['cpu_s']:>7.1f} {r['docs']/r['cpu_s']:>10.0f} "
              f"{r['bytes_per_doc']:>9.0f} {r['index_to_text']:>8.3f} {r['peak_rss_mb']:>7.0f}M {r['segments']:>4}")
for col in lat[b]["collectors"]:
    classes = list(lat[b]["collectors"][col].keys())
    print(f"\n{col} latency, mean / p50 of per-query medians (us); growth = log(latency ratio) / log(size ratio)"
          f" between {b} and {sizes[-1]} docs (1 = linear)")
    head = f"{'class':<19}" + "".join(f"{str(n)+' mean':>13}{'p50':>9}" for n in sizes) + f"{'x mean':>8}{'growth':>7}"
    print(head)
    for c in classes:
        line = f"{c:<19}"
        for n in sizes:
            s = lat[n]["collectors"][col][c]
            line += f"{s['mean_us']:>13.1f}{s['p50_us']:>9.1f}"
        m0, m1 = lat[b]["collectors"][col][c]["mean_us"], lat[sizes[-1]]["collectors"][col][c]["mean_us"]
        g = math.log(m1 / m0) / math.log(sizes[-1] / b) if len(sizes) > 1 and m0 > 0 and m1 > 0 else float("nan")
        line += f"{m1/m0 if m0 else 0:>8.2f}{g:>7.2f}"
        print(line)
EOF
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
  index) cmd_index "$@" ;;
  latency) cmd_latency "$@" ;;
  scale) cmd_scale "$@" ;;
  all)
    [ $# -eq 0 ] || usage
    mixed_corpus
    cmd_index "$MIXED" --threads 1,2 --keep --dir "$BENCH_WORK/mixed" --json "$BENCH_WORK/mixed-index.json"
    cmd_latency "$BENCH_WORK/mixed/threads-1" "$GAME_QUERIES" --json "$BENCH_WORK/mixed-latency.json"
    cmd_scale
    ;;
  peers)
    [ $# -le 1 ] || usage
    PEERS_ENGINES="lucene xapian $ROOT/bench/peers/trawl" exec "$SHARED/tools/peers/run.sh" "${1:-mixed}"
    ;;
  *) usage ;;
esac
