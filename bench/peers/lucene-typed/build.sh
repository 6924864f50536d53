#!/bin/sh
# Compiles the typed-field Lucene driver against the Debian jars (liblucene8-java), idempotently:
# core, analyzers-common (Snowball), facet and queries. Installs liblucene8-java and a JDK with
# apt-get when they are missing (as root; otherwise says what to install).
set -e
D=$(cd "$(dirname "$0")" && pwd)
jar() { ls /usr/share/java/lucene-"$1"-8*.jar 2>/dev/null | head -n1; }
if [ -z "$(jar core)" ] || [ -z "$(jar facet)" ] || ! command -v javac >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblucene8-java openjdk-17-jdk-headless >&2
    else
        echo "lucene 8 jars or javac missing: apt-get install liblucene8-java openjdk-17-jdk-headless" >&2
        exit 1
    fi
fi
CP="$(jar core):$(jar analyzers-common):$(jar facet):$(jar queries)"
mkdir -p "$D/build"
if [ ! -f "$D/build/LuceneTypedBench.class" ] || [ "$D/LuceneTypedBench.java" -nt "$D/build/LuceneTypedBench.class" ]; then
    javac -Xlint:all -Xlint:-serial -encoding UTF-8 -d "$D/build" -cp "$CP" "$D/LuceneTypedBench.java" >&2
fi
printf '%s:%s\n' "$D/build" "$CP" > "$D/build/classpath"
