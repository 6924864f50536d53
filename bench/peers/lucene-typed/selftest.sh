#!/bin/sh
# Indexes testdata/corpus.jsonl (five documents: multi-valued ints, negative floats, dates in
# several zones and as epoch millis, missing values, a lowercased multi-valued keyword, a bool)
# and checks the answers to testdata/queries.jsonl against testdata/expected.jsonl, which was
# worked out by hand, and with check.py. Then the same for trawl's driver when it is built
# ($BUILD_DIR, default <repo>/build; bench/trawl-typed-bench), with its answers also compared
# with Lucene's.
set -e
D=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$D/build.sh"
"$D/bench" index "$D/testdata/corpus.jsonl" "$D/testdata/schema.json" "$T/index" >/dev/null
"$D/bench" query "$T/index" "$D/testdata/schema.json" "$D/testdata/queries.jsonl" \
    --reps 1 --warmup 0 --warmup-s 0 --out "$T/results.jsonl" >/dev/null
compare() {
python3 - "$D/testdata/expected.jsonl" "$1" <<'PY'
import json, sys
exp = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
bad = 0
for i, (e, g) in enumerate(zip(exp, got)):
    for k, v in e.items():
        if g.get(k) != v:
            bad += 1
            print(f"query {i}: {k} {g.get(k)}, expected {v}")
if len(exp) != len(got):
    bad += 1
    print(f"{len(got)} results, expected {len(exp)}")
print(f"selftest: {len(got)} queries, {bad} differences")
sys.exit(1 if bad else 0)
PY
}
compare "$T/results.jsonl"
python3 "$D/check.py" "$D/testdata/corpus.jsonl" "$D/testdata/schema.json" "$D/testdata/queries.jsonl" "$T/results.jsonl"
BIN=${BUILD_DIR:-$(cd "$D/../../.." && pwd)/build}/bench/trawl-typed-bench
if [ -x "$BIN" ]; then
    "$BIN" index "$D/testdata/corpus.jsonl" "$D/testdata/schema.json" "$T/trawl-index" >/dev/null
    "$BIN" query "$T/trawl-index" "$D/testdata/schema.json" "$D/testdata/queries.jsonl" \
        --reps 1 --warmup 0 --warmup-s 0 --out "$T/trawl-results.jsonl" >/dev/null
    echo "trawl:"
    compare "$T/trawl-results.jsonl"
    python3 "$D/check.py" "$D/testdata/corpus.jsonl" "$D/testdata/schema.json" "$D/testdata/queries.jsonl" \
        "$T/trawl-results.jsonl" --against "$T/results.jsonl" --names trawl,lucene
else
    echo "selftest: $BIN not built, trawl skipped"
fi
# Bad input stops with the file, line, field and value named.
printf '{"id": "x", "when": "yesterday"}\n' > "$T/bad.jsonl"
if "$D/bench" index "$T/bad.jsonl" "$D/testdata/schema.json" "$T/bad" 2> "$T/err"; then
    echo "selftest: a bad date was accepted" >&2; exit 1
fi
grep -q 'bad.jsonl:1: field when: not a date: "yesterday"' "$T/err" || { cat "$T/err" >&2; exit 1; }
echo "selftest: bad input refused: $(cat "$T/err")"
