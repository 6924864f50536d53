# Sourced by the Lucene drivers' build.sh: finds Debian's Lucene 8 jars (liblucene8-java) and
# installs them and a JDK with apt-get when any is missing (as root; otherwise says what to
# install and exits).
#   . "$D/../lucene_jars.sh"; require_lucene_jars core analyzers-common; CP=$(lucene_jar core)...
lucene_jar() { ls /usr/share/java/lucene-"$1"-8*.jar 2>/dev/null | head -n1; }
require_lucene_jars() {
    missing=0
    for name in "$@"; do [ -n "$(lucene_jar "$name")" ] || missing=1; done
    command -v javac >/dev/null 2>&1 || missing=1
    [ "$missing" -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblucene8-java openjdk-17-jdk-headless >&2
    else
        echo "lucene 8 jars or javac missing: apt-get install liblucene8-java openjdk-17-jdk-headless" >&2
        exit 1
    fi
}
