#!/usr/bin/env bash
# Installs an already-built trawl tree into a fresh temporary prefix and builds examples/
# against it as an outside project would: once with CMake (find_package(trawl CONFIG)) and once
# with pkg-config alone; runs the programs and checks what they print. Prints the installed
# tree. Nothing is rebuilt in BUILD_DIR; no network.
#   scripts/test_install.sh BUILD_DIR        (ctest runs it as install_consumer)
# CXX and CC pick the compilers for the consumer builds (default c++ and cc). The C example
# (examples/c_example.c, over trawl/c.h) is compiled and linked by the C compiler in the
# pkg-config build, as a C program would be.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CXX:-c++}
cc=${CC:-cc}
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
# The C example does what search_example does through the C API, which has no query builders
# (yet): the same, but for the built query.
c_expected=$(echo "$search_expected" | awk '/^built query/ {skip = 1} /^bad query/ {skip = 0} !skip')
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

run_examples() {  # run_examples HOW DIR_WITH_PROGRAMS: runs all three and compares their output
  local how=$1 bin=$2 program
  for program in search_example c_example; do
    "$bin/$program" "$work/index-$program-$how" >"$work/$program-$how.txt"
    cat "$work/$program-$how.txt"
    if ! head -1 "$work/$program-$how.txt" | grep -qx 'trawl [0-9]*\.[0-9]*\.[0-9]*'; then
      echo "FAIL: $how: $program printed no version line" >&2
      exit 1
    fi
    local expected=$search_expected
    [ "$program" = c_example ] && expected=$c_expected
    if ! diff -u <(echo "$expected") <(tail -n +2 "$work/$program-$how.txt"); then
      echo "FAIL: $how: $program printed something else" >&2
      exit 1
    fi
  done
  "$bin/index_files" "$work/index-files-$how" "$inputs" >"$work/index-$how.txt"
  cat "$work/index-$how.txt"
  if ! diff -u <(echo "$index_expected") "$work/index-$how.txt"; then
    echo "FAIL: $how: index_files printed something else" >&2
    exit 1
  fi
  echo "== $how: output as expected"
}

echo "== CMake consumer: find_package(trawl CONFIG)"
CC=$cc CXX=$cxx cmake -S "$src/examples" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
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
# shellcheck disable=SC2086
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror -o "$work/pc-build/c_example" \
  "$src/examples/c_example.c" $core "${rpath[@]}"
run_examples pkg-config "$work/pc-build"

# The Python module, when the build has it (-DTRAWL_PYTHON=ON): Debian's python3 imports it
# from the prefix (docs/python.md).
module=$(find "$prefix" -name 'trawl.cpython-*.so' | head -1)
if [ -n "$module" ]; then
  echo "== Python module: ${module#"$prefix"/}"
  got=$(PYTHONPATH=$(dirname "$module") /usr/bin/python3 - "$work/py-index" <<'PY'
import sys, trawl
with trawl.IndexWriter(sys.argv[1]) as w:
    w.add({"id": "p1", "body": "roaring from python", "year": 2024})
print(trawl.Searcher(sys.argv[1]).search("roaring", fields="year").hits[0].fields)
PY
)
  if [ "$got" != "{'year': 2024}" ]; then
    echo "FAIL: the installed Python module printed: $got" >&2
    exit 1
  fi
  echo "== Python module: output as expected"
fi
echo "PASS"
