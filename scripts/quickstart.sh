#!/usr/bin/env bash
# Sets up, builds, indexes /usr/share/doc (present on every Debian machine; changelogs are .gz)
# into /tmp/trawl-usrdoc, and runs a sample query against it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
INDEX=${INDEX:-/tmp/trawl-usrdoc}
rm -rf "$INDEX"
status=0
build/trawl-index --index "$INDEX" /usr/share/doc || status=$?
# Exit status 2 means some inputs were skipped (binary files and the like) but the rest committed.
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then exit "$status"; fi
build/trawl-search --index "$INDEX" --top 5 "${1:-\"free software\" license}"
