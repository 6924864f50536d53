#!/usr/bin/env bash
# Installs an already-built trawl tree into a fresh temporary prefix and builds examples/
# against it as an outside project would: once with CMake (find_package(trawl CONFIG)) and once
# with pkg-config alone; runs the programs and checks what they print. Prints the installed
# tree. Nothing is rebuilt in BUILD_DIR; no network.
#   scripts/test_install.sh BUILD_DIR        (ctest runs it as install_consumer)
# CXX picks the compiler for the consumer builds (default c++).
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CXX:-c++}
work=$(mktemp -d "${TMPDIR:-/tmp}/trawl-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
echo "== installed tree ($prefix)"
(cd "$prefix" && find . | LC_ALL=C sort)

pcfile=$(find "$prefix" -name trawl.pc -path '*/pkgconfig/*' | head -1)
[ -n "$pcfile" ] || { echo "FAIL: no trawl.pc installed" >&2; exit 1; }
libdir=$(dirname "$(dirname "$pcfile")")

search_expected='indexed 5 documents
query: data, filter year:>=2016, newest first: 4 hits
  rfc-8878      2021  Zstandard compression and the application/zstd media type
  roaring-2018  2018  Roaring bitmaps: implementation of an optimized software library
  rfc-8259      2017  The JSON data interchange syntax
more: yes
facet tag:
  bitmap       2
  paper        2
  standard     2
  compression  1
  json         1
  library      1
count tag:standard AND year:>=2015: 2
built query (+(compressed \(bitmaps\) \OR \"fast) #tag:paper): 2 hits, count 2
  roaring-2016  3.9186 = 3.9186 + 0.0000
  roaring-2018  2.2230 = 2.2230 + 0.0000
bad query: InvalidArgument reported'
index_expected='read 5 documents, index holds 5
documents with roaring: 4'

# Inputs for index_files: a text file, HTML, JSONL and a tar.gz, in a directory tree.
inputs=$work/inputs
mkdir -p "$inputs/sub" "$work/member"
echo "Roaring bitmaps are compressed bitmaps" >"$inputs/a.txt"
echo "<html><head><title>Page</title></head><body><p>Roaring in HTML</p></body></html>" \
  >"$inputs/sub/page.html"
printf '%s\n' '{"id": "j1", "title": "one", "body": "roaring in JSON"}' \
  '{"id": "j2", "title": "two", "body": "plain"}' >"$inputs/docs.jsonl"
echo "roaring inside an archive" >"$work/member/member.txt"
tar -czf "$inputs/sub/archive.tar.gz" -C "$work/member" member.txt

run_examples() {  # run_examples HOW DIR_WITH_PROGRAMS: runs both and compares their output
  local how=$1 bin=$2
  "$bin/search_example" "$work/index-search-$how" >"$work/search-$how.txt"
  cat "$work/search-$how.txt"
  if ! head -1 "$work/search-$how.txt" | grep -qx 'trawl [0-9]*\.[0-9]*\.[0-9]*'; then
    echo "FAIL: $how: search_example printed no version line" >&2
    exit 1
  fi
  if ! diff -u <(echo "$search_expected") <(tail -n +2 "$work/search-$how.txt"); then
    echo "FAIL: $how: search_example printed something else" >&2
    exit 1
  fi
  "$bin/index_files" "$work/index-files-$how" "$inputs" >"$work/index-$how.txt"
  cat "$work/index-$how.txt"
  if ! diff -u <(echo "$index_expected") "$work/index-$how.txt"; then
    echo "FAIL: $how: index_files printed something else" >&2
    exit 1
  fi
  echo "== $how: output as expected"
}

echo "== CMake consumer: find_package(trawl CONFIG)"
CXX=$cxx cmake -S "$src/examples" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
run_examples cmake "$work/cmake-build"

echo "== pkg-config consumer"
export PKG_CONFIG_PATH=$libdir/pkgconfig
# --static adds the dependencies a static libtrawl needs; a shared one is found at run time
# through the rpath.
core=$(pkg-config --cflags --libs --static trawl)
ingest=$(pkg-config --cflags --libs --static trawl-ingest)
echo "pkg-config --cflags --libs --static trawl: $core"
echo "pkg-config --cflags --libs --static trawl-ingest: $ingest"
rpath=()
if [ -e "$libdir/libtrawl.so" ]; then rpath=(-Wl,-rpath,"$libdir"); fi
mkdir "$work/pc-build"
# shellcheck disable=SC2086  # the flags are words
"$cxx" -std=c++20 -o "$work/pc-build/search_example" "$src/examples/search_example.cc" \
  $core "${rpath[@]}"
# shellcheck disable=SC2086
"$cxx" -std=c++20 -o "$work/pc-build/index_files" "$src/examples/index_files.cc" \
  $ingest "${rpath[@]}"
run_examples pkg-config "$work/pc-build"
echo "PASS"
