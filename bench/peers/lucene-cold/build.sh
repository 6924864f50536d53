#!/bin/sh
# Compiles the cold-start Lucene driver against the Debian jars (liblucene8-java), idempotently,
# with the peers' own Lucene driver (LuceneBench.java, for its analyzer and query translation)
# from $PEERS_DIR (default <repo>/../shared/tools/peers). Installs liblucene8-java and a JDK with
# apt-get when they are missing (as root; otherwise says what to install).
set -e
D=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$D/../../.." && pwd)
PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/tools/peers}
PEER_SRC=$PEERS_DIR/lucene/LuceneBench.java
[ -f "$PEER_SRC" ] || { echo "no $PEER_SRC (set PEERS_DIR to the peers harness)" >&2; exit 1; }
. "$D/../lucene_jars.sh"
require_lucene_jars core analyzers-common
CP="$(lucene_jar core):$(lucene_jar analyzers-common)"
mkdir -p "$D/build"
if [ ! -f "$D/build/LuceneColdBench.class" ] || [ "$D/LuceneColdBench.java" -nt "$D/build/LuceneColdBench.class" ] \
        || [ "$PEER_SRC" -nt "$D/build/LuceneColdBench.class" ]; then
    # The peers' driver is compiled as it is (its own build uses -nowarn); ours with all warnings.
    javac -nowarn -encoding UTF-8 -d "$D/build" -cp "$CP" "$PEER_SRC" >&2
    javac -Xlint:all -encoding UTF-8 -d "$D/build" -cp "$D/build:$CP" "$D/LuceneColdBench.java" >&2
fi
printf '%s:%s\n' "$D/build" "$CP" > "$D/build/classpath"
