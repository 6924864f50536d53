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
jar() { ls /usr/share/java/lucene-"$1"-8*.jar 2>/dev/null | head -n1; }
if [ -z "$(jar core)" ] || [ -z "$(jar analyzers-common)" ] || ! command -v javac >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblucene8-java openjdk-17-jdk-headless >&2
    else
        echo "lucene 8 jars or javac missing: apt-get install liblucene8-java openjdk-17-jdk-headless" >&2
        exit 1
    fi
fi
CP="$(jar core):$(jar analyzers-common)"
mkdir -p "$D/build"
if [ ! -f "$D/build/LuceneColdBench.class" ] || [ "$D/LuceneColdBench.java" -nt "$D/build/LuceneColdBench.class" ] \
        || [ "$PEER_SRC" -nt "$D/build/LuceneColdBench.class" ]; then
    # The peers' driver is compiled as it is (its own build uses -nowarn); ours with all warnings.
    javac -nowarn -encoding UTF-8 -d "$D/build" -cp "$CP" "$PEER_SRC" >&2
    javac -Xlint:all -encoding UTF-8 -d "$D/build" -cp "$D/build:$CP" "$D/LuceneColdBench.java" >&2
fi
printf '%s:%s\n' "$D/build" "$CP" > "$D/build/classpath"
