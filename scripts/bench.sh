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
#   scripts/bench.sh scale-report SIZES...
#       the summary tables of scale (Markdown) again, from the JSON results in $BENCH_WORK.
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
usage() { sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

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
  # One corpus, at least as large as the largest size: the corpus of N docs is its prefix
  # (--max-docs N), so a smaller size never needs a corpus of its own.
  local corpus=$BENCH_WORK/gen.jsonl queries=$BENCH_WORK/gen-queries.jsonl
  if [ ! -s "$corpus" ] || [ "$(cat "$corpus.done" 2>/dev/null || echo 0)" -lt "$max" ]; then
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
  scale_report "${sizes[@]}"
}

# Markdown tables (docs/benchmarks.md takes them as they are) from the JSON of earlier scale runs.
scale_report() {
  python3 - "$BENCH_WORK" "$@" <<'EOF'
import json, math, sys
work, sizes = sys.argv[1], sorted(int(s) for s in sys.argv[2:])
idx = {n: json.load(open(f"{work}/scale-{n}-index.json")) for n in sizes}
lat = {n: json.load(open(f"{work}/scale-{n}-latency.json")) for n in sizes}
b, e = sizes[0], sizes[-1]
print(f"\nIndexing ({work}). docs/s and MB/s over wall time (Open to the end of Commit); cpu docs/s over")
print("the process's CPU time (user + sys), which load from other jobs does not inflate; x = the same")
print(f"over the {b}-doc run with the same thread count (about 1 = linear cost).\n")
print("| docs | threads | wall s | docs/s | MB/s | x | CPU s | CPU docs/s | x | index MB | bytes/doc | index/text | peak RSS MB | segments |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
first = {r["threads"]: r for r in idx[b]["runs"] if r["run"] == "index"}
for n in sizes:
    for r in idx[n]["runs"]:
        if r["run"] != "index":
            continue
        r0 = first[r["threads"]]
        cdps, cdps0 = r["docs"] / r["cpu_s"], r0["docs"] / r0["cpu_s"]
        print(f"| {n:,} | {r['threads']} | {r['wall_s']:.1f} | {r['docs_per_s']:,.0f} | {r['mb_per_s']:.2f} | "
              f"{r['docs_per_s'] / r0['docs_per_s']:.2f} | {r['cpu_s']:.1f} | {cdps:,.0f} | {cdps / cdps0:.2f} | "
              f"{r['index_bytes'] / 1e6:,.0f} | {r['bytes_per_doc']:.0f} | {r['index_to_text']:.3f} | "
              f"{r['peak_rss_mb']:,.0f} | {r['segments']} |")
print("\nLoad average (1/5/15 min) around each latency run: " +
      "; ".join(f"{n:,}: {lat[n]['loadavg_before']} -> {lat[n]['loadavg_after']}" for n in sizes))
for col in lat[b]["collectors"]:
    has_cpu = all("cpu_mean_us" in next(iter(lat[n]["collectors"][col].values())) for n in sizes)
    print(f"\n{col}: mean and p50 over queries of the per-query median wall time, us"
          + (" (CPU: thread CPU time)" if has_cpu else "")
          + f"; growth = log(mean ratio) / log({e} / {b}), 1 = linear in the corpus size.\n")
    head = "| class |" + "".join(f" {n // 1000}k mean | p50 |" for n in sizes)
    if has_cpu:
        head += "".join(f" {n // 1000}k CPU mean |" for n in sizes)
    head += f" {e // 1000}k / {b // 1000}k | growth |" + (" CPU growth |" if has_cpu else "")
    print(head)
    print("|---|" + "---:|" * (head.count("|") - 2))
    for c in lat[b]["collectors"][col]:
        st = {n: lat[n]["collectors"][col][c] for n in sizes}
        line = f"| {c} |" + "".join(f" {st[n]['mean_us']:,.0f} | {st[n]['p50_us']:,.0f} |" for n in sizes)
        if has_cpu:
            line += "".join(f" {st[n]['cpu_mean_us']:,.0f} |" for n in sizes)
        growth = lambda a, z: math.log(z / a) / math.log(e / b) if e > b and a > 0 and z > 0 else float("nan")
        line += f" {st[e]['mean_us'] / st[b]['mean_us']:.2f} | {growth(st[b]['mean_us'], st[e]['mean_us']):.2f} |"
        if has_cpu:
            line += f" {growth(st[b]['cpu_mean_us'], st[e]['cpu_mean_us']):.2f} |"
        print(line)
EOF
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
  index) cmd_index "$@" ;;
  latency) cmd_latency "$@" ;;
  scale) cmd_scale "$@" ;;
  scale-report) [ $# -ge 1 ] || usage; scale_report "$@" ;;
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
