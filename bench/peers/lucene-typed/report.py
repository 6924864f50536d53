#!/usr/bin/env python3
"""Prints the typed benchmark's table from a work dir written by run.sh: per engine and class
the median and 90th percentile (nearest rank) over its queries of each query's latency, where a
query's latency is the median over the forks of its median over the reps; the index's size; and
whether every fork gave the same answers. With two engines, then a side-by-side table: per class
each engine's median, the ratio of the first to the second, and both index sizes (bytes of the
files in the index directory, as du -sb).

    report.py WORKDIR [--engine lucene-typed] [--engine trawl-typed ...]
"""

import argparse
import glob
import json
import math
import os
import re
import statistics
import sys


def pct(xs, p):
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, math.ceil(p / 100 * len(xs)) - 1))] if xs else float("nan")


def dir_bytes(d):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs
               if os.path.isfile(os.path.join(r, f)))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("work")
    ap.add_argument("--engine", action="append",
                    help="an engine's directory in WORKDIR (repeatable; default lucene-typed)")
    args = ap.parse_args(argv)
    engines = args.engine or ["lucene-typed"]
    summaries = []
    for k, e in enumerate(engines):
        if k:
            print()
        s = engine_report(args.work, e)
        if s is None:
            return 1
        summaries.append(s)
    if len(summaries) >= 2:
        side_by_side(summaries[0], summaries[1])
    return 0


def side_by_side(a, b):
    """Per class: both engines' medians over the queries, and a's over b's."""
    print(f"\n{a['engine']} vs {b['engine']} (median over the queries of the per-query medians, us; "
          f"ratio {a['engine']}/{b['engine']})")
    print(f"{'class':<11} {'top10 ' + a['engine']:>18} {b['engine']:>14} {'ratio':>6}   "
          f"{'count ' + a['engine']:>18} {b['engine']:>14} {'ratio':>6}")
    for c in a["classes"]:
        if c not in b["classes"]:
            continue
        ea, eb = a["classes"][c], b["classes"][c]
        ta, tb = pct(ea["top"], 50), pct(eb["top"], 50)
        line = f"{c:<11} {ta:>18.1f} {tb:>14.1f} {ta / tb:>6.2f}   "
        if ea["cnt"] and eb["cnt"]:
            ca, cb = pct(ea["cnt"], 50), pct(eb["cnt"], 50)
            line += f"{ca:>18.1f} {cb:>14.1f} {ca / cb:>6.2f}"
        else:
            line += f"{'-':>18} {'-':>14} {'-':>6}"
        print(line)
    for s in (a, b):
        print(f"index {s['engine']}: {s['size'] / 1e6:.1f} MB ({s['size']} bytes, "
              f"{s['size'] / max(1, s['docs']):.0f} bytes/doc), indexing {s['total_s']} s")
    print(f"index size ratio {a['engine']}/{b['engine']}: {a['size'] / max(1, b['size']):.2f}")


def engine_report(work, engine):
    d = os.path.join(work, engine)
    index = {}
    with open(os.path.join(d, "index.log"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("@index "):
                index = dict(kv.split("=", 1) for kv in line.split()[1:])
    forks = []
    for path in sorted(glob.glob(os.path.join(d, "results.*.jsonl")),
                       key=lambda p: int(re.search(r"\.(\d+)\.jsonl$", p).group(1))):
        with open(path, encoding="utf-8") as f:
            forks.append([json.loads(line) for line in f if line.strip()])
    if not forks:
        print(f"no results in {d}", file=sys.stderr)
        return None
    docs, size = int(index.get("docs", 0)), int(index.get("size_bytes", 0))
    if os.path.isdir(os.path.join(d, "index")):
        size = dir_bytes(os.path.join(d, "index"))
    print(f"engine {engine} {index.get('version', '?')}: {docs} docs, index {index.get('total_s', '?')} s "
          f"(build {index.get('build_s', '?')} + optimize {index.get('optimize_s', '?')}), "
          f"size {size / 1e6:.1f} MB ({size / max(1, docs):.0f} bytes/doc)")
    print(f"size by file kind: {index.get('size_by_ext', '?')}")
    nq = len(forks[0])
    same = all(len(f) == nq for f in forks) and all(
        all((a["count"], a["ids"], a.get("facets")) == (b["count"], b["ids"], b.get("facets"))
            for a, b in zip(forks[0], f)) for f in forks[1:])
    classes = {}
    for i in range(nq):
        c = forks[0][i]["class"]
        top = statistics.median(f[i]["top10_us"] for f in forks)
        cnt = [f[i]["count_us"] for f in forks if "count_us" in f[i]]
        e = classes.setdefault(c, {"top": [], "cnt": [], "matches": []})
        e["top"].append(top)
        if cnt:
            e["cnt"].append(statistics.median(cnt))
        e["matches"].append(forks[0][i]["count"])
    print(f"\n{len(forks)} forks; answers identical across forks: {'yes' if same else 'NO'}")
    print(f"{'class':<11} {'n':>4} {'median matches':>14} {'top10 us median / p90':>22} {'count us median / p90':>22}")
    for c, e in classes.items():
        cnt = f"{pct(e['cnt'], 50):.1f} / {pct(e['cnt'], 90):.1f}" if e["cnt"] else "-"
        print(f"{c:<11} {len(e['top']):>4} {statistics.median(e['matches']):>14g} "
              f"{pct(e['top'], 50):>10.1f} / {pct(e['top'], 90):<9.1f} {cnt:>22}")
    per_fork = []
    for k, f in enumerate(forks, 1):
        per_fork.append(f"fork {k}: " + ", ".join(
            f"{c} {pct([r['top10_us'] for r in f if r['class'] == c], 50):.1f}" for c in classes))
    print("per-fork top10 medians (us): " + "; ".join(per_fork))
    return {"engine": engine, "classes": classes, "size": size, "docs": docs,
            "total_s": index.get("total_s", "?")}


if __name__ == "__main__":
    sys.exit(main())
