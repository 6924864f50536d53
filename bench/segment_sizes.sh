#!/bin/sh
# Indexes each JSONL corpus given with one thread and no merging, and prints the bytes of each
# kind of segment file (summed over the segments), to compare index size by component.
#   bench/segment_sizes.sh build/trawl-index /tmp/peers-corpus/gcide.jsonl ...
set -eu
index_tool=$1
shift
work=${SEGMENT_SIZES_WORK:-/tmp/trawl-segment-sizes}
mkdir -p "$work"
printf '%-14s %10s %10s %10s %10s %10s %10s %10s %11s\n' corpus .dict .post .pos .len .store .col .meta total
for corpus in "$@"; do
  name=$(basename "$corpus" .jsonl)
  rm -rf "$work/$name"
  "$index_tool" --index "$work/$name" --threads 1 --merge-factor 0 "$corpus" >/dev/null
  line=$(printf '%-14s' "$name")
  total=0
  for suffix in dict post pos len store col meta; do
    bytes=$(find "$work/$name" -name "seg_*.$suffix" -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    total=$((total + bytes))
    line="$line $(printf '%10d' "$bytes")"
  done
  printf '%s %11d\n' "$line" "$total"
done
