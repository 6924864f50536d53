#!/usr/bin/env python3
"""Checks an engine's typed-query results (RESULTS.jsonl from `bench query --out`) against the
corpus, by brute force where no text analysis is involved:

    check.py CORPUS.jsonl SCHEMA.json QUERIES.jsonl RESULTS.jsonl [--against OTHER.jsonl]
             [--names ENGINE,OTHER]

- range: the count and the top 10 (in corpus order) are exactly those of a scan of the corpus.
- range_text: every hit lies in the range, and the count is at most the range's count.
- sort: the hits' values are in the asked order, with documents lacking the field last.
- facet: counts are non-increasing, ties in value order, each at most the query's count, and at
  most `top` values.
Text matching itself (stemming) is not re-implemented here; the engines' text answers are
compared with each other instead (--against, the other engine's results of the same queries):
- every class: the counts are equal;
- range: the top 10 are equal (both are in corpus order);
- sort: the top 10's sort values are equal position by position; where the ids differ only
  inside a run of equal values (whose order falls to the score), that is counted apart as a
  score-order difference, not a violation;
- facet: the values and their counts are equal;
- range_text and facet hits (by BM25): listed as score-order differences, not violations, when
  the lists differ: Lucene 8 keeps a document's length in one byte (SmallFloat), trawl exactly,
  so near-equal scores may swap. Their overlap is printed.
Prints one line per violation and a summary; exit status 1 if there is any.
"""

import argparse
import datetime
import json
import sys


def values(v):
    if v is None:
        return []
    return [x for x in v if x is not None] if isinstance(v, list) else [v]


def as_number(kind, v):
    if kind == "date":
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
        s = str(v)
        d = (datetime.datetime.strptime(s, "%Y-%m-%d") if len(s) == 10
             else datetime.datetime.fromisoformat(s.replace("Z", "+00:00")))
        if d.tzinfo is None:
            d = d.replace(tzinfo=datetime.timezone.utc)
        return d.timestamp() * 1000
    return float(v)


def read_results(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip() and not line.startswith("#")]


def main(argv):
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("corpus")
    ap.add_argument("schema")
    ap.add_argument("queries")
    ap.add_argument("results")
    ap.add_argument("--against")
    ap.add_argument("--names", default="engine,other")
    ap.add_argument("--examples", type=int, default=10, help="score-order differences shown")
    args = ap.parse_args(argv[1:])
    corpus, schema_path, queries_path, results_path = args.corpus, args.schema, args.queries, args.results
    with open(schema_path, encoding="utf-8") as f:
        types = {n: s.get("type", "text") for n, s in json.load(f)["fields"].items()}
    numeric = [n for n, t in types.items() if t in ("int", "float", "date")]
    order, docs = [], {}
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                order.append(d["id"])
                docs[d["id"]] = {n: [as_number(types[n], v) for v in values(d.get(n))] for n in numeric}
    with open(queries_path, encoding="utf-8") as f:
        queries = [json.loads(line) for line in f if line.strip() and not line.startswith("#")]
    results = read_results(results_path)
    if len(queries) != len(results):
        print(f"{len(queries)} queries but {len(results)} results", file=sys.stderr)
        return 1
    other = read_results(args.against) if args.against else None
    if other is not None and len(other) != len(results):
        print(f"{len(results)} results but {len(other)} in {args.against}", file=sys.stderr)
        return 1

    bad = checked = 0

    def fail(i, msg):
        nonlocal bad
        bad += 1
        print(f"query {i} ({queries[i]['class']}): {msg}")

    for i, (q, r) in enumerate(zip(queries, results)):
        checked += 1
        cls = q["class"]
        if r["class"] != cls:
            fail(i, f"result class {r['class']}")
            continue
        ids = r["ids"]
        if len(ids) != min(10, r["count"]):
            fail(i, f"{len(ids)} ids for count {r['count']}")
        if cls in ("range", "range_text"):
            rq = q["range"]
            kind, field = types[rq["field"]], rq["field"]

            if cls == "range":
                hits = [d for d in order if any(in_range_num(kind, rq, v) for v in docs[d][field])]
                if r["count"] != len(hits):
                    fail(i, f"count {r['count']}, brute force {len(hits)}")
                if ids != hits[:10]:
                    fail(i, f"top 10 {ids[:3]}..., brute force {hits[:3]}...")
            else:
                n_range = sum(1 for d in order if any(in_range_num(kind, rq, v) for v in docs[d][field]))
                if r["count"] > n_range:
                    fail(i, f"count {r['count']} > the range's {n_range}")
                for d in ids:
                    if not any(in_range_num(kind, rq, v) for v in docs[d][field]):
                        fail(i, f"hit {d} is outside the range")
        elif cls == "sort":
            field, desc = q["sort"]["field"], q["sort"].get("order", "desc") == "desc"
            # Multi-valued fields sort by their smallest value ascending, largest descending.
            keys = [(max if desc else min)(docs[d][field]) if docs[d][field] else None for d in ids]
            seen_missing = False
            for a, b in zip(keys, keys[1:]):
                if a is None:
                    seen_missing = True
                if seen_missing and b is not None:
                    fail(i, "a document with the field after one without")
                if a is not None and b is not None and ((b > a) if desc else (b < a)):
                    fail(i, f"values out of order: {keys}")
                    break
        elif cls == "facet":
            fs = r.get("facets", [])
            if len(fs) > q["facet"].get("top", 10):
                fail(i, f"{len(fs)} facet values")
            for a, b in zip(fs, fs[1:]):
                if (b["count"], a["value"]) > (a["count"], b["value"]):
                    fail(i, f"facet order: {a} before {b}")
            for v in fs:
                if not 0 < v["count"] <= r["count"]:
                    fail(i, f"facet count {v} of {r['count']} matches")
    summary = f"check: {checked} queries, {bad} violations"
    if other is not None:
        me, them = (args.names.split(",") + ["engine", "other"])[:2]
        cbad, ties, same = compare(queries, results, other, docs, me, them, args.examples)
        bad += cbad
        summary += (f"; {me} vs {them}: {cbad} disagreements, top 10 identical in {same}/{len(queries)}, "
                    f"{ties} score-order differences")
    print(summary)
    return 1 if bad else 0


def compare(queries, mine, theirs, docs, me, them, examples):
    """The cross-engine checks (see the docstring): (violations, score-order differences,
    queries whose top 10 are identical)."""
    bad = ties = same = 0
    shown = 0
    for i, (q, a, b) in enumerate(zip(queries, mine, theirs)):
        cls = q["class"]

        def fail(msg):
            nonlocal bad
            bad += 1
            print(f"query {i} ({cls}): {me} vs {them}: {msg}; query {json.dumps(q.get('trawl'))}")

        if a["count"] != b["count"]:
            fail(f"count {a['count']}, {them} {b['count']}")
        if cls == "facet" and a.get("facets") != b.get("facets"):
            fail(f"facets {a.get('facets')}, {them} {b.get('facets')}")
        if a["ids"] == b["ids"]:
            same += 1
            continue
        if cls == "range":
            fail(f"top 10 {a['ids']}, {them} {b['ids']}")
            continue
        if cls == "sort":
            field, desc = q["sort"]["field"], q["sort"].get("order", "desc") == "desc"

            def key(d):
                vs = docs[d][field] if d in docs else []
                return (max if desc else min)(vs) if vs else None
            ka, kb = [key(d) for d in a["ids"]], [key(d) for d in b["ids"]]
            if ka != kb:
                fail(f"sort values {ka}, {them} {kb} (ids {a['ids']}, {them} {b['ids']})")
                continue
            # Equal values: the ids may differ only inside runs of one value (ordered by score),
            # and a run cut by the tenth hit may hold other documents of that value.
            groups_a, groups_b = {}, {}
            for d, k in zip(a["ids"], ka):
                groups_a.setdefault(k, set()).add(d)
            for d, k in zip(b["ids"], kb):
                groups_b.setdefault(k, set()).add(d)
            last = ka[-1] if ka else None
            if any(groups_a[k] != groups_b[k] for k in groups_a if k != last or len(ka) < 10):
                fail(f"the hits of one sort value differ: {a['ids']}, {them} {b['ids']}")
                continue
        ties += 1
        if shown < examples:
            shown += 1
            overlap = len(set(a["ids"]) & set(b["ids"]))
            print(f"query {i} ({cls}): score order: {overlap}/{len(b['ids'])} of the top 10 shared, "
                  f"{me} {a['ids']}, {them} {b['ids']}")
    return bad, ties, same


def in_range_num(kind, r, x):
    """in_range for a value already converted by as_number."""
    def bound(key):
        return as_number(kind, r[key])
    if "gte" in r and x < bound("gte"):
        return False
    if "gt" in r and x <= bound("gt"):
        return False
    if "lte" in r and x > bound("lte"):
        return False
    if "lt" in r and x >= bound("lt"):
        return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv))
