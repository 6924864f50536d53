#!/usr/bin/env bash
# Sets up dependencies, builds, and runs the whole test suite with ctest.
#   scripts/test.sh                    gcc, Release, into build/, with the Python bindings
#                                      (python/, tested with Debian's python3)
#   TRAWL_SANITIZE=1 scripts/test.sh   clang, AddressSanitizer + UBSan + assertions, into
#                                      build-asan/, fuzz targets with libFuzzer
# TRAWL_WERROR=1 makes compiler warnings errors (CI sets it). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=()
[ "${TRAWL_WERROR:-0}" = 1 ] && flags+=(-DTRAWL_WERROR=ON)
if [ "${TRAWL_SANITIZE:-0}" = 1 ]; then
  scripts/setup.sh --clang
  export BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo CC=clang CXX=clang++
  # The fuzz targets link libFuzzer here; ctest replays their seed corpora either way. The
  # benchmarks are left to the Release build, which compiles them with warnings as errors.
  # Instrumented programs are large and there are many of them (one per fuzz target): lld
  # links them in a fraction of ld.bfd's time.
  command -v ld.lld >/dev/null && flags+=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld
                                          -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld)
  # Line tables are all that the sanitizers' stack traces need (function, file and line, inlined
  # frames too); full debug info would make the objects twice as large and their links slower.
  # Optimized as RelWithDebInfo is, -O2.
  for lang in C CXX; do
    flags+=("-DCMAKE_${lang}_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG")
  done
  scripts/build.sh -DTRAWL_SANITIZE=ON -DTRAWL_ASSERTIONS=ON -DTRAWL_FUZZ=ON \
    -DTRAWL_BUILD_BENCH=OFF "${flags[@]}"
else
  scripts/setup.sh
  export BUILD_DIR=build
  # The Python module is built and tested here only: the sanitizer build's module would need
  # the ASan runtime preloaded into python3.
  scripts/build.sh -DTRAWL_PYTHON=ON "${flags[@]}"
fi
cd "$BUILD_DIR"
# No single test takes a minute on 2 cores; ten is a hang, not a slow machine.
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
