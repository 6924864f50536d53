#!/usr/bin/env bash
# Fuzzes trawl's parsers and readers with libFuzzer (clang, ASan + UBSan, assertions on).
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (build tree: $BUILD_DIR, default build-fuzz)
# runs each target (default: all of fuzz/CMakeLists.txt) for SECONDS (default 60), starting
# from its seed corpus fuzz/corpus/<target>/ plus what earlier runs found in
# $FUZZ_WORK/<target>/ (default /tmp/trawl-fuzz), with fuzz/<target>.dict when there is one.
# A crash leaves its input as $FUZZ_WORK/crash-*: add it to the seed corpus with the fix, so
# that every later test run replays it. Prints executions, executions per second and coverage
# (libFuzzer's cov: edges and ft: features at the end of the run) per target. FUZZ_FLAGS adds
# libFuzzer flags (e.g. FUZZ_FLAGS="-max_len=65536"). Each target runs in one process on one
# core, FUZZ_JOBS of them at once (default 1); a long campaign runs as
# `nice -n 19 scripts/fuzz.sh 300`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
shift || true
FUZZ_WORK=${FUZZ_WORK:-/tmp/trawl-fuzz}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
scripts/setup.sh --clang
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^trawl_\(index_file_\)\{0,1\}fuzz_target(\([a-z_]*\).*/\2/p' \
    fuzz/CMakeLists.txt)
fi
# An existing build tree (CI passes the sanitizer build's, BUILD_DIR=build-asan) is used as it
# is configured; it must have been configured with TRAWL_FUZZ=ON.
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTRAWL_SANITIZE=ON -DTRAWL_ASSERTIONS=ON -DTRAWL_FUZZ=ON -DTRAWL_BUILD_BENCH=OFF >/dev/null
elif ! grep -q '^TRAWL_FUZZ:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  echo "fuzz.sh: $BUILD_DIR is not configured with -DTRAWL_FUZZ=ON" >&2
  exit 2
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
mkdir -p "$FUZZ_WORK"
# fuzz_one TARGET: fuzzes one target; its report goes to $FUZZ_WORK/TARGET.report (and the
# fuzzer's output, on failure, to the end of it). Fails when the target failed.
fuzz_one() {
  local t=$1 corpus="$FUZZ_WORK/$1" log="$FUZZ_WORK/$1.log" report="$FUZZ_WORK/$1.report"
  local result dict=() execs rate cov ft
  mkdir -p "$corpus"
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  # shellcheck disable=SC2086  # FUZZ_FLAGS is a list of flags
  if "$BUILD_DIR/fuzz/fuzz_$t" "${dict[@]}" ${FUZZ_FLAGS:-} -max_total_time="$SECONDS_PER_TARGET" \
      -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$FUZZ_WORK/" -print_final_stats=1 \
      "$corpus" "fuzz/corpus/$t" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1) || true
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1) || true
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1) || true
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1) || true
  {
    [ "$result" = ok ] || tail -40 "$log"
    echo "fuzz $t: $result, ${execs:-?} executions in ${SECONDS_PER_TARGET}s (${rate:-?}/s), ${cov:-cov: ?}, ${ft:-ft: ?}, corpus $(ls "$corpus" | wc -l) inputs"
  } >"$report"
  [ "$result" = ok ]
}
# FUZZ_JOBS targets run at once (default 1), each for the full SECONDS on a core of its own: on
# a machine with N idle cores, FUZZ_JOBS=N fuzzes the same as one at a time in 1/N of the time.
jobs_max=${FUZZ_JOBS:-1}
running=0
status=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs_max" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
# The reports in the order of the targets, whatever order they finished in.
for t in "${targets[@]}"; do cat "$FUZZ_WORK/$t.report"; done
exit $status
