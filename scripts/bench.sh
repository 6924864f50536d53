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
#       indexes at a time (~5 GB) in $BENCH_WORK; takes ~40 minutes on 2 cores. With
#       SCALE_BURSTY=P, the same on a bursty corpus too (trawl-gen-corpus --bursty P: words recur
#       within a document, titles come from the body), measured right after the independent one
#       at each size; twice the time and disk.
#   scripts/bench.sh scale-report SIZES...
#       the summary tables of scale (Markdown) again, from the JSON results in $BENCH_WORK; with
#       SCALE_BURSTY=P those of the bursty corpus too, and the two side by side.
#   scripts/bench.sh all
#       index on the mixed peers corpus (/tmp/peers-corpus/mixed.jsonl, built with
#       ../shared/tools/peers/corpus.py if missing), latency with the game's queries on that
#       index, then scale.
#   scripts/bench.sh peers [CORPUS]
#       side-by-side run of Lucene, Xapian and trawl on CORPUS (default mixed; e.g. kjv-verses,
#       gcide, usrdoc, or a path to a JSONL file) with the shared peers harness. Results go to
#       /tmp/peers-work/<corpus>/report.txt. The harness's knobs (PEERS_FORKS, PEERS_REPS, ...)
#       pass through the environment. Needs the harness's packages: ../shared/tools/peers/setup.sh.
#   scripts/bench.sh ab BUILD_A BUILD_B INDEXDIR QUERIES.tsv [ROUNDS]
#       Two builds (build directories, or trawl-peer-bench programs) on the same machine state:
#       each runs the queries (a peers harness TSV: class, query) at the same time as the other,
#       one on each core, the cores swapped every round (ROUNDS, default 4, rounded up to even).
#       Per class and round: the median over queries of each query's B/A ratio of its top-10
#       and of its count time; then, per pair of rounds (one of each core order), their
#       geometric mean, which cancels a difference between the cores. A build against itself
#       shows the noise to beat (about 4% on a shared 2-core machine; docs/benchmarks.md).
#       AB_REPS (default 20): repetitions of each query in a round; results in $BENCH_WORK/ab.
#       AB_INDEX_B: B's own index of the same corpus (default INDEXDIR), for a build of another
#       format; indexes of the same documents in the same order give both builds the same docids.
#
# Environment: BENCH_WORK (default /tmp/trawl-bench: generated corpora, indexes, JSON results),
# BUILD_DIR (default build), SCALE_THREADS (thread counts for the scale runs, default 1,2; the
# latency runs use the index of the first), SCALE_COLLECTORS (default TOP_10,COUNT), SCALE_REPS
# and SCALE_WARMUP_S (latency repetitions and warm-up at each size, default 10 and 5), SCALE_BURSTY
# (repeat probability of the bursty corpus, 0 < P < 1; unset: the independent corpus only). In
# $BENCH_WORK the independent corpus's files are gen.jsonl, gen-queries.jsonl and
# scale-N-{index,latency}.json; the bursty corpus's carry "bursty<P>" (gen-bursty<P>.jsonl,
# scale-bursty<P>-N-index.json, ...), so results of both coexist.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "$ROOT/../shared" && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BENCH_WORK=${BENCH_WORK:-/tmp/trawl-bench}
GAME_QUERIES=$SHARED/data/search-benchmark-game/queries.txt
MIXED=/tmp/peers-corpus/mixed.jsonl
usage() { sed -n '2,54p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

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

# KINDS: the corpus kinds of a scale run, "" (independent words) and "bursty<P>" with
# SCALE_BURSTY=P.
scale_kinds() {
  KINDS=("")
  if [ -n "${SCALE_BURSTY:-}" ]; then
    [[ $SCALE_BURSTY =~ ^0?\.[0-9]*[1-9][0-9]*$ ]] ||
      { echo "SCALE_BURSTY must be a decimal fraction in (0, 1) such as 0.2, not '$SCALE_BURSTY'" >&2; exit 2; }
    KINDS+=("bursty$SCALE_BURSTY")
  fi
}

# The file name prefix of a corpus kind: gen / scale for the independent corpus (the names of
# earlier runs), gen-bursty0.2 / scale-bursty0.2 for a bursty one.
kind_suffix() { [ -z "$1" ] || echo "-$1"; }

cmd_scale() {
  local sizes=("$@")
  [ ${#sizes[@]} -gt 0 ] || sizes=(500000 1000000 2000000)
  local max=0 n kind
  scale_kinds
  for n in "${sizes[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
  build
  mkdir -p "$BENCH_WORK"
  # One corpus of each kind, at least as large as the largest size: the corpus of N docs is its
  # prefix (--max-docs N), so a smaller size never needs a corpus of its own.
  for kind in "${KINDS[@]}"; do
    local sfx gen_opts=()
    sfx=$(kind_suffix "$kind")
    [ -z "$kind" ] || gen_opts=(--bursty "${kind#bursty}")
    local corpus=$BENCH_WORK/gen$sfx.jsonl queries=$BENCH_WORK/gen$sfx-queries.jsonl
    if [ ! -s "$corpus" ] || [ "$(cat "$corpus.done" 2>/dev/null || echo 0)" -lt "$max" ]; then
      rm -f "$corpus.done"
      /usr/bin/time -f "generated $max docs in %es" "$(B trawl-gen-corpus)" --docs "$max" --out "$corpus" \
        --queries "$queries" "${gen_opts[@]}"
      echo "$max" >"$corpus.done"
    fi
    [ -s "$queries" ] || "$(B trawl-gen-corpus)" --out none --queries "$queries" "${gen_opts[@]}"
  done
  local threads=${SCALE_THREADS:-1,2}
  # Both kinds at one size before the next size, so that the two runs compared see about the
  # same load on a shared machine.
  for n in "${sizes[@]}"; do
    for kind in "${KINDS[@]}"; do
      local sfx
      sfx=$(kind_suffix "$kind")
      local corpus=$BENCH_WORK/gen$sfx.jsonl queries=$BENCH_WORK/gen$sfx-queries.jsonl
      local dir=$BENCH_WORK/scale$sfx-$n
      echo "=== $n docs${kind:+ ($kind)}; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
      "$(B trawl-index-bench)" "$corpus" --max-docs "$n" --threads "$threads" --no-baseline --keep --dir "$dir" \
        --json "$BENCH_WORK/scale$sfx-$n-index.json"
      "$(B trawl-latency-bench)" "$dir/threads-${threads%%,*}" "$queries" \
        --collectors "${SCALE_COLLECTORS:-TOP_10,COUNT}" --reps "${SCALE_REPS:-10}" \
        --warmup-s "${SCALE_WARMUP_S:-5}" --json "$BENCH_WORK/scale$sfx-$n-latency.json"
      rm -rf "$dir"
    done
  done
  scale_report "${sizes[@]}"
}

# Markdown tables (docs/benchmarks.md takes them as they are) from the JSON of earlier scale runs:
# the independent corpus, and with SCALE_BURSTY=P the bursty one and the two side by side.
scale_report() {
  scale_kinds
  python3 - "$BENCH_WORK" "${KINDS[1]:-}" "$@" <<'EOF'
import json, math, statistics, sys
work, bursty, sizes = sys.argv[1], sys.argv[2], sorted(int(s) for s in sys.argv[3:])
b, e = sizes[0], sizes[-1]
k = lambda n: f"{n // 1000}k"

def load(kind):
    sfx = f"-{kind}" if kind else ""
    return ({n: json.load(open(f"{work}/scale{sfx}-{n}-index.json")) for n in sizes},
            {n: json.load(open(f"{work}/scale{sfx}-{n}-latency.json")) for n in sizes})

def growth(a, z):  # the exponent of the corpus size in the cost, 1 = linear
    return math.log(z / a) / math.log(e / b) if e > b and a > 0 and z > 0 else float("nan")

def has_cpu(lat, col):
    return all("cpu_mean_us" in next(iter(lat[n]["collectors"][col].values())) for n in sizes)

def report(name, idx, lat):
    print(f"\nIndexing ({name}). docs/s and MB/s over wall time (Open to the end of Commit); cpu docs/s over")
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
        cpu = has_cpu(lat, col)
        steps = list(zip(sizes, sizes[1:]))
        print(f"\n{col}: mean and p50 over queries of the per-query median wall time, us"
              + (" (CPU: thread CPU time)" if cpu else "")
              + f"; growth = log(mean ratio) / log({e} / {b}), 1 = linear in the corpus size"
              + ("; a / b: the ratio of " + ("CPU" if cpu else "wall") + " means from size b to size a"
                 if len(steps) > 1 else "") + ".\n")
        head = "| class |" + "".join(f" {k(n)} mean | p50 |" for n in sizes)
        if cpu:
            head += "".join(f" {k(n)} CPU mean |" for n in sizes)
        if len(steps) > 1:
            head += "".join(f" {k(z)} / {k(a)} |" for a, z in steps)
        head += f" {k(e)} / {k(b)} | growth |" + (" CPU growth |" if cpu else "")
        print(head)
        print("|---|" + "---:|" * (head.count("|") - 2))
        for c in lat[b]["collectors"][col]:
            st = {n: lat[n]["collectors"][col][c] for n in sizes}
            key = "cpu_mean_us" if cpu else "mean_us"
            line = f"| {c} |" + "".join(f" {st[n]['mean_us']:,.0f} | {st[n]['p50_us']:,.0f} |" for n in sizes)
            if cpu:
                line += "".join(f" {st[n]['cpu_mean_us']:,.0f} |" for n in sizes)
            if len(steps) > 1:
                line += "".join(f" {st[z][key] / st[a][key]:.2f} |" for a, z in steps)
            line += f" {st[e]['mean_us'] / st[b]['mean_us']:.2f} | {growth(st[b]['mean_us'], st[e]['mean_us']):.2f} |"
            if cpu:
                line += f" {growth(st[b]['cpu_mean_us'], st[e]['cpu_mean_us']):.2f} |"
            print(line)
    # What the queries match: a query file that matched nothing would time nothing.
    counted = all(all(q.get("count", -1) >= 0 for q in lat[n].get("queries", [])) and lat[n].get("queries")
                  for n in sizes)
    if counted:
        print("\nMatches per query: median count over the class's queries, and queries that match nothing.\n")
        head = "| class |" + "".join(f" {k(n)} median | none |" for n in sizes)
        print(head)
        print("|---|" + "---:|" * (head.count("|") - 2))
        classes = list(dict.fromkeys(q["tags"][0] for q in lat[b]["queries"]))
        for c in classes + ["ALL"]:
            line = f"| {c} |"
            for n in sizes:
                cs = [q["count"] for q in lat[n]["queries"] if c == "ALL" or q["tags"][0] == c]
                line += f" {statistics.median(cs):,.0f} | {sum(x == 0 for x in cs)} |"
            print(line)

ind = load("")
report(f"{work}/gen.jsonl, independent words", *ind)
if bursty:
    bur = load(bursty)
    report(f"{work}/gen-{bursty}.jsonl, {bursty}", *bur)
    print(f"\nBursty ({bursty}) against independent words, bursty / independent at each size"
          " (first thread count's index; CPU means where measured).\n")
    head = "| |" + "".join(f" {k(n)} |" for n in sizes)
    print(head)
    print("|---|" + "---:|" * len(sizes))
    def run0(idx, n):
        return next(r for r in idx[n]["runs"] if r["run"] == "index")
    for label, f in [("bytes/doc", lambda r: r["bytes_per_doc"]),
                     ("CPU docs/s", lambda r: r["docs"] / r["cpu_s"]),
                     ("peak RSS", lambda r: r["peak_rss_mb"])]:
        print(f"| {label} |" + "".join(f" {f(run0(bur[0], n)) / f(run0(ind[0], n)):.2f} |" for n in sizes))
    for col in ind[1][b]["collectors"]:
        if col not in bur[1][b]["collectors"]:
            continue
        key = "cpu_mean_us" if has_cpu(ind[1], col) and has_cpu(bur[1], col) else "mean_us"
        for c in ind[1][b]["collectors"][col]:
            if c not in bur[1][b]["collectors"][col]:
                continue
            print(f"| {col} {c} |" + "".join(
                f" {bur[1][n]['collectors'][col][c][key] / ind[1][n]['collectors'][col][c][key]:.2f} |"
                for n in sizes))
EOF
}

# Two builds at once, one a core, swapped each round; per-query ratios summarized by class.
cmd_ab() {
  if [ $# -lt 4 ] || [ $# -gt 5 ]; then usage; fi
  local a=$1 b=$2 index=$3 queries=$4 rounds=${5:-4} index_b=${AB_INDEX_B:-$3}
  [ -d "$a" ] && a=$a/bench/trawl-peer-bench
  [ -d "$b" ] && b=$b/bench/trawl-peer-bench
  for p in "$a" "$b"; do [ -x "$p" ] || { echo "bench.sh ab: no program $p" >&2; exit 1; }; done
  for i in "$index" "$index_b"; do [ -d "$i" ] || { echo "bench.sh ab: no index $i" >&2; exit 1; }; done
  [ -f "$queries" ] || { echo "bench.sh ab: no queries $queries" >&2; exit 1; }
  rounds=$(( (rounds + 1) / 2 * 2 ))
  local out=$BENCH_WORK/ab pinned=1 reps=${AB_REPS:-20}
  mkdir -p "$out"
  if [ "$(nproc)" -lt 2 ] || ! command -v taskset >/dev/null; then
    pinned=0
    echo "bench.sh ab: fewer than two cores or no taskset: the builds run at once, unpinned" >&2
  fi
  local r run_a run_b pin_a=() pin_b=()
  for r in $(seq 1 "$rounds"); do
    if [ "$pinned" = 1 ]; then
      pin_a=(taskset -c $((r % 2))) pin_b=(taskset -c $((1 - r % 2)))
    fi
    "${pin_a[@]}" "$a" query "$index" "$queries" --reps "$reps" --warmup 1 --warmup-s 0.5 \
      --out "$out/a-$r.tsv" >/dev/null &
    run_a=$!
    "${pin_b[@]}" "$b" query "$index_b" "$queries" --reps "$reps" --warmup 1 --warmup-s 0.5 \
      --out "$out/b-$r.tsv" >/dev/null &
    run_b=$!
    wait "$run_a" || { echo "bench.sh ab: $a failed in round $r" >&2; exit 1; }
    wait "$run_b" || { echo "bench.sh ab: $b failed in round $r" >&2; exit 1; }
  done
  python3 - "$out" "$rounds" <<'EOF'
import collections, math, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])

def load(path):  # (class, query) -> (top-10 us, count us)
    rows = {}
    for line in open(path):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        rows[(f[1], f[2])] = (float(f[4]), float(f[5]))
    return rows

def ratio(a, b):
    return b / a if a > 0 and b > 0 else None

rounds_ratios = []  # per round: class -> (top-10 ratio, count ratio)
for r in range(1, rounds + 1):
    a, b = load(f"{out}/a-{r}.tsv"), load(f"{out}/b-{r}.tsv")
    per = collections.defaultdict(lambda: ([], []))
    for key, (top_a, count_a) in a.items():
        top_b, count_b = b[key]
        for i, x in enumerate((ratio(top_a, top_b), ratio(count_a, count_b))):
            if x is not None:
                per[key[0]][i].append(x)
    rounds_ratios.append({c: tuple(statistics.median(v) if v else math.nan for v in lists)
                          for c, lists in per.items()})

print("B/A: per class, the median over its queries of each query's ratio, top 10 / count")
print(f"{'class':9}" + "".join(f"{'round ' + str(r + 1):17}" for r in range(rounds))
      + "pairs of rounds (geometric mean)")
for c in sorted(rounds_ratios[0]):
    line = f"{c:9}" + "".join(f"{x[c][0]:.3f} / {x[c][1]:.3f}    " for x in rounds_ratios)
    for r in range(0, rounds, 2):
        top = math.sqrt(rounds_ratios[r][c][0] * rounds_ratios[r + 1][c][0])
        count = math.sqrt(rounds_ratios[r][c][1] * rounds_ratios[r + 1][c][1])
        line += f"{top:.3f} / {count:.3f}  "
    print(line.rstrip())
EOF
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
  index) cmd_index "$@" ;;
  latency) cmd_latency "$@" ;;
  scale) cmd_scale "$@" ;;
  scale-report) [ $# -ge 1 ] || usage; scale_report "$@" ;;
  ab) cmd_ab "$@" ;;
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
