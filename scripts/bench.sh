#!/usr/bin/env bash
# Benchmarks.
#
#   scripts/bench.sh peers [CORPUS]   side-by-side run of Lucene, Xapian and trawl on CORPUS
#                                     (default mixed; e.g. kjv-verses, gcide, usrdoc, or a path to
#                                     a JSONL file) with the shared peers harness. Results go to
#                                     /tmp/peers-work/<corpus>/report.txt. The harness's knobs
#                                     (PEERS_FORKS, PEERS_REPS, ...) pass through the environment.
#                                     Needs the harness's packages: ../shared/tools/peers/setup.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "$(dirname "$0")/../../shared" && pwd)
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
case "$1" in
  peers)
    [ $# -le 2 ] || usage
    PEERS_ENGINES="lucene xapian $ROOT/bench/peers/trawl" exec "$SHARED/tools/peers/run.sh" "${2:-mixed}"
    ;;
  *) usage ;;
esac
