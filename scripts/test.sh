#!/usr/bin/env bash
# Sets up dependencies, builds, and runs the whole test suite with ctest.
# TRAWL_SANITIZE=1 builds into build-asan/ with AddressSanitizer and UBSan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ "${TRAWL_SANITIZE:-0}" = 1 ]; then
  export BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo
  scripts/build.sh -DTRAWL_SANITIZE=ON
else
  export BUILD_DIR=build
  scripts/build.sh
fi
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)"
