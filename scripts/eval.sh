#!/usr/bin/env bash
# Relevance evaluation on a judged test collection: MAP, P@30, nDCG@10, recall@100.
#
#   scripts/eval.sh COLLECTION [options]
#
# COLLECTION is cacm or cranfield (../shared/data/COLLECTION, see its SOURCE.md). The script
# converts the collection (scripts/eval_collections.py: documents to JSONL, topics to one
# plain-text query a line, qrels to TREC form), indexes it with build/trawl-index into a temporary
# directory, runs every query with build/trawl-search --plain --queries --top 1000 (plain text:
# the index's analyzer finds the terms, all optional, as in Anserini's runs), writes a TREC run
# and scores it with scripts/eval_metrics.py (trec_eval's conventions; see that file).
#
# Options:
#   --index-opt "OPTS"   options for trawl-index, e.g. --index-opt "--language porter --stopwords english"
#   --search-opt "OPTS"  options for trawl-search, e.g. --search-opt "--k1 0.9 --b 0.4"
#                        (both may be repeated; OPTS are split on white space)
#   --anserini           Anserini's CACM BM25 regression setup: --fields joined, --tokenizer
#                        standard --language porter --stopwords english for the index,
#                        --k1 0.9 --b 0.4 for the search
#                        (--fields, and --index-opt/--search-opt to change any of these)
#   --fields split|joined  split (default): "title" and "body" text fields (trawl sums their
#                        BM25 scores); joined: one field "body" holding the title and the rest,
#                        as Anserini indexes CACM
#   --top K              hits per query (default 1000, as trec_eval runs are usually cut)
#   --keep DIR           keep the converted collection, index, results and run (run.txt) in DIR
#   --per-query          also print each query's metric values
#   --data DIR           the folder holding cacm/ and cranfield/ (default ../shared/data)
#
# Output: one line per metric, "metric<TAB>value", after a line naming the configuration:
#   num_q (queries evaluated), map, P_30, ndcg_cut_10, recall_100 (trec_eval's measure names).
# Binaries come from $BUILD_DIR (default build/, relative to the repository); build them first
# with scripts/build.sh. Relative paths given to the options are relative to the current directory.
# CACM: binary qrels, 52 judged topics of 64. Cranfield: codes 1-4 relevant; nDCG gains 5-code.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$repo/$BUILD_DIR  # relative to the repository, as in build.sh

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac
collection=$1
shift
index_opts=()
search_opts=()
fields=""
top=1000
anserini=0
keep=""
per_query=()
data_opt=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --index-opt) read -r -a more <<<"${2:?--index-opt needs a value}"; index_opts+=("${more[@]}"); shift 2 ;;
    --search-opt) read -r -a more <<<"${2:?--search-opt needs a value}"; search_opts+=("${more[@]}"); shift 2 ;;
    --anserini) anserini=1; shift ;;
    --fields) fields=${2:?--fields needs a value}; shift 2 ;;
    --top) top=${2:?--top needs a value}; shift 2 ;;
    --keep) keep=${2:?--keep needs a value}; shift 2 ;;
    --per-query) per_query=(--per-query); shift ;;
    --data) data_opt=(--data "${2:?--data needs a value}"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "eval.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [[ $anserini == 1 ]]; then
  # Each setting only where --index-opt/--search-opt did not choose it (the programs reject an
  # option given twice), so that e.g. --anserini --index-opt "--tokenizer simple" works.
  given() { local o; for o in "${@:2}"; do [[ $o == "$1" ]] && return 0; done; return 1; }
  given --tokenizer "${index_opts[@]}" || index_opts+=(--tokenizer standard)
  given --language "${index_opts[@]}" || index_opts+=(--language porter)
  given --stopwords "${index_opts[@]}" || index_opts+=(--stopwords english)
  given --k1 "${search_opts[@]}" || search_opts+=(--k1 0.9)
  given --b "${search_opts[@]}" || search_opts+=(--b 0.4)
fi
[[ -n $fields ]] || fields=$([[ $anserini == 1 ]] && echo joined || echo split)
for bin in trawl-index trawl-search; do
  [[ -x $BUILD_DIR/$bin ]] || { echo "eval.sh: $BUILD_DIR/$bin not found: run scripts/build.sh" >&2; exit 1; }
done

if [[ -n $keep ]]; then
  work=$keep
  rm -rf "$work/index"
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/trawl-eval.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

python3 "$repo/scripts/eval_collections.py" prepare "$collection" "$work" --fields "$fields" "${data_opt[@]}"
"$BUILD_DIR/trawl-index" --index "$work/index" --quiet "${index_opts[@]}" "$work/docs.jsonl"
"$BUILD_DIR/trawl-search" --index "$work/index" --plain --queries "$work/queries.txt" --top "$top" \
  "${search_opts[@]}" >"$work/results.jsonl"
python3 "$repo/scripts/eval_collections.py" run "$work/qids.txt" "$work/results.jsonl" >"$work/run.txt"

echo "# $collection fields=$fields top=$top index-opts=[${index_opts[*]}] search-opts=[${search_opts[*]}]"
python3 "$repo/scripts/eval_metrics.py" "${per_query[@]}" "$work/qrels.txt" "$work/run.txt" |
  awk -F'\t' '{ sub(/ +$/, "", $1); print ($2 == "all" ? $1 "\t" $3 : $1 "\t" $2 "\t" $3) }'
