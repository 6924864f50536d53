#!/bin/sh
# Builds trawl and its peers driver (build/bench/trawl-peer-bench) idempotently: the project's
# dependencies via scripts/setup.sh, then scripts/build.sh into <repo>/build.
set -e
D=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$D/../../.." && pwd)
# The harness's own prerequisite (run.sh and its helpers are Python); installed only if missing.
if ! command -v python3 >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3
fi
"$ROOT/scripts/setup.sh"
# Progress goes to stderr so that callers capturing stdout see nothing from a no-op build.
BUILD_DIR="$ROOT/build" "$ROOT/scripts/build.sh" -DTRAWL_BUILD_BENCH=ON >&2
[ -x "$ROOT/build/bench/trawl-peer-bench" ] || { echo "trawl-peer-bench was not built" >&2; exit 1; }
