#!/bin/sh
# Builds trawl's peers driver (build/bench/trawl-peer-bench) idempotently: the project's
# dependencies via scripts/setup.sh, then only that target (not the test suite) into
# <repo>/build, Release unless BUILD_TYPE says otherwise. The harness captures stdout, so
# everything, progress included, goes to stderr.
set -e
D=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$D/../../.." && pwd)
BUILD_DIR="$ROOT/build"
{
    # The harness's own prerequisite (run.sh and its helpers are Python); installed only if missing.
    if ! command -v python3 >/dev/null 2>&1; then
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3
    fi
    "$ROOT/scripts/setup.sh"
    # A build tree keeps the generator it was configured with.
    GENERATOR=""
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
        GENERATOR="-G Ninja"
    fi
    # shellcheck disable=SC2086  # GENERATOR is empty or two words
    cmake -S "$ROOT" -B "$BUILD_DIR" $GENERATOR -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
        -DTRAWL_BUILD_BENCH=ON >/dev/null
    cmake --build "$BUILD_DIR" -j"$(nproc)" --target trawl-peer-bench
} >&2
[ -x "$BUILD_DIR/bench/trawl-peer-bench" ] || { echo "trawl-peer-bench was not built" >&2; exit 1; }
