#!/usr/bin/env python3
"""Checks an engine's typed-query results (RESULTS.jsonl from `bench query --out`) against the
corpus, by brute force where no text analysis is involved:

    check.py CORPUS.jsonl SCHEMA.json QUERIES.jsonl RESULTS.jsonl

- range: the count and the top 10 (in corpus order) are exactly those of a scan of the corpus.
- range_text: every hit lies in the range, and the count is at most the range's count.
- sort: the hits' values are in the asked order, with documents lacking the field last.
- facet: counts are non-increasing, ties in value order, each at most the query's count, and at
  most `top` values.
Text matching itself (stemming) is not re-implemented here; the engines' text answers are
compared with each other instead. Prints one line per violation and a summary; exit status 1
if there is any.
"""

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


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    corpus, schema_path, queries_path, results_path = argv[1:]
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
    with open(results_path, encoding="utf-8") as f:
        results = [json.loads(line) for line in f if line.strip() and not line.startswith("#")]
    if len(queries) != len(results):
        print(f"{len(queries)} queries but {len(results)} results", file=sys.stderr)
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
    print(f"check: {checked} queries, {bad} violations")
    return 1 if bad else 0


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
