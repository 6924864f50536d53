#!/bin/sh
# Compiles the typed-field Lucene driver against the Debian jars (liblucene8-java), idempotently:
# core, analyzers-common (Snowball), facet and queries. Installs liblucene8-java and a JDK with
# apt-get when they are missing (as root; otherwise says what to install).
set -e
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../lucene_jars.sh"
require_lucene_jars core analyzers-common facet queries
CP="$(lucene_jar core):$(lucene_jar analyzers-common):$(lucene_jar facet):$(lucene_jar queries)"
mkdir -p "$D/build"
if [ ! -f "$D/build/LuceneTypedBench.class" ] || [ "$D/LuceneTypedBench.java" -nt "$D/build/LuceneTypedBench.class" ]; then
    javac -Xlint:all -Xlint:-serial -encoding UTF-8 -d "$D/build" -cp "$CP" "$D/LuceneTypedBench.java" >&2
fi
printf '%s:%s\n' "$D/build" "$CP" > "$D/build/classpath"
