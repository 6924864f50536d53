#!/usr/bin/env python3
"""Cold start, trawl beside Lucene: open an index whose files are not in the page cache, in a
fresh process, and run its first queries; every start measured the same way for both engines.

  bench/peers/lucene-cold/run.py --trawl-index DIR --lucene-index DIR --queries QUERIES.tsv
                                 [--runs 5] [--repeat 3] [--next 5] [--out STEPS.tsv]
                                 [--warm-trawl-index DIR --warm-lucene-index DIR]

The indexes: the peers adapters' (`bench/peers/trawl/bench index CORPUS DIR` and the Lucene peer's
`bench index CORPUS DIR`, one text field each); QUERIES.tsv: the peers' query set of that corpus
(../shared/tools/peers/queries.py). Each start: trawl-evict drops both indexes from the page cache
(and must leave no page resident), then the engine's driver (build/bench/trawl-cold-bench or
LuceneColdBench in a JVM) opens the index and runs query FIRST --repeat times and the --next
queries after it of the same class once each (see their headers for what each step times).

With --warm-*-index (another corpus's indexes, left in the page cache), each driver first runs
every query once on that index (--warm-on): the process is then no longer new, only the measured
index is cold (a server opening a new index, rather than one starting).

Plan: run r (0-based) of class c starts with the r-th query of class c in the file, then the
following --next queries of that class; every class in every run, both engines, the engine that
starts first alternating run by run so that the load drifts over both. Reported: medians over
the starts of each step (the JVM's launch-to-main apart), per class the first query's median,
and trawl/Lucene ratios. Both engines must find the same number of hits for every query (checked);
the top scores are compared after multiplying Lucene's by k1 + 1 = 2.2 (Lucene 8's BM25 leaves
out that constant factor of the classic formula, trawl keeps it) and their largest difference
printed: it is not zero, because Lucene quantizes document lengths to one byte and trawl keeps
them exact (a few percent on long documents).

Environment: BUILD_DIR (default <repo>/build), PEERS_JAVA_OPTS (default -Xms3g -Xmx3g, as the
Lucene peer).
"""
import argparse
import collections
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def read_classes(qfile):
    """Query numbers per class, in file order (the numbering of the drivers)."""
    by = collections.OrderedDict()
    n = 0
    with open(qfile, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or "\t" not in line:
                continue
            by.setdefault(line.split("\t", 1)[0], []).append(n)
            n += 1
    return by


def parse(out):
    steps = []
    for line in out.splitlines():
        if not line.startswith("@cold "):
            continue
        kv = dict(item.split("=", 1) for item in line.split()[1:])
        steps.append(kv)
    return steps


def evict(build_dir, dirs):
    p = subprocess.run([os.path.join(build_dir, "bench", "trawl-evict")] + dirs,
                       capture_output=True, text=True)
    if p.returncode == 2:
        sys.exit("trawl-evict failed: " + p.stderr)
    return p.returncode == 0, p.stdout.strip() + p.stderr.strip()


def median(v):
    return statistics.median(v) if v else float("nan")


def load_rows(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            rows.append((c[0], int(c[1]), c[2], int(c[3]), c[4], int(c[5]), float(c[6]), int(c[7]), int(c[8]),
                         c[9], c[10], c[11], float(c[12])))
    return rows


def report(rows, engines, classes, repeat, nq):
    """The tables, from the rows of every start."""
    def med(e, step, n=None, cls=None, col=6):
        return median([row[col] for row in rows if row[0] == e and row[4] == step
                       and (n is None or row[5] == n) and (cls is None or row[2] == cls)])

    print("\nmedians over every start (ms wall; cpu = process CPU ms; faults = major page faults; "
          "MB = read from storage)")
    print(f"{'step':<22}" + "".join(f"{e + ' ms':>12}{'cpu':>9}{'faults':>7}{'MB':>7}" for e in engines)
          + ("   trawl/lucene" if engines == ["trawl", "lucene"] else ""))

    def line(label, step, n=None):
        vals = [med(e, step, n) for e in engines]
        out = f"{label:<22}"
        for e, v in zip(engines, vals):
            out += (f"{v:>12.2f}{med(e, step, n, col=12):>9.2f}{med(e, step, n, col=7):>7.0f}"
                    f"{med(e, step, n, col=8) / 1e6:>7.2f}")
        if engines == ["trawl", "lucene"]:
            out += f"   {vals[0] / vals[1]:>12.3f}"
        print(out)

    print(f"{'launch to main()':<22}" + "".join(f"{med(e, 'launch'):>12.2f}{'':>23}" for e in engines))
    if any(row[4] == "prewarm" for row in rows):
        line("prewarm (other index)", "prewarm")
    line("open", "open")
    for n in range(1, nq + 1):
        label = ("first query" if n == 1 else f"same query again ({n})") if n <= repeat \
            else f"next query {n - repeat}"
        line(label, "query", n)

    def start_sums(e, last):
        """Per start: open plus queries 1..last, in ms."""
        sums = collections.defaultdict(float)
        for row in rows:
            if row[0] == e and (row[4] == "open" or (row[4] == "query" and row[5] <= last)):
                sums[(row[1], row[2])] += row[6]
        return median(list(sums.values()))

    for label, last in (("open + first query", 1), (f"open + all {nq} queries", nq)):
        vals = [start_sums(e, last) for e in engines]
        print(f"{label:<22}" + "".join(f"{v:>12.2f}{'':>23}" for v in vals)
              + (f"   {vals[0] / vals[1]:>12.3f}" if engines == ["trawl", "lucene"] else ""))
    print(f"{'whole process':<22}" + "".join(f"{med(e, 'process'):>12.2f}{'':>23}" for e in engines))

    print("\nfirst query by class: median ms (open + first query in brackets)")
    print(f"{'class':<10}" + "".join(f"{e:>22}" for e in engines)
          + ("   trawl/lucene" if engines == ["trawl", "lucene"] else ""))
    for cls in classes:
        vals, out = [], f"{cls:<10}"
        for e in engines:
            first = med(e, "query", 1, cls)
            both = median([o + q for o, q in zip(
                [row[6] for row in rows if row[0] == e and row[2] == cls and row[4] == "open"],
                [row[6] for row in rows if row[0] == e and row[2] == cls and row[4] == "query" and row[5] == 1])])
            vals.append(first)
            out += f"{first:>10.2f} ({both:>8.2f})"
        if engines == ["trawl", "lucene"]:
            out += f"   {vals[0] / vals[1]:>12.3f}"
        print(out)

    if sorted(engines) == ["lucene", "trawl"]:
        answers = collections.defaultdict(dict)  # qno -> engine -> (hits, top score)
        for row in rows:
            if row[4] == "query":
                answers[int(row[9])][row[0]] = (int(row[10]), float(row[11]))
        both = {q: by for q, by in answers.items() if len(by) == 2}
        differ = sorted(q for q, by in both.items() if by["trawl"][0] != by["lucene"][0])
        dev = max((abs(by["trawl"][1] / (2.2 * by["lucene"][1]) - 1) for by in both.values()
                   if by["lucene"][1] > 0), default=0.0)
        print(f"\nanswers: {len(both)} queries, {len(differ)} with a different number of hits"
              + (f": {differ}" if differ else "")
              + f"; top scores (Lucene's x 2.2) differ by at most {100 * dev:.1f}%")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trawl-index")
    ap.add_argument("--lucene-index")
    ap.add_argument("--queries", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--next", type=int, default=5)
    ap.add_argument("--engines", default="trawl,lucene")
    ap.add_argument("--out")
    ap.add_argument("--warm-trawl-index")
    ap.add_argument("--warm-lucene-index")
    ap.add_argument("--report", metavar="STEPS.tsv", help="print the report of an earlier run's --out")
    a = ap.parse_args()
    engines = a.engines.split(",")
    classes = read_classes(a.queries)
    if a.report:
        report(load_rows(a.report), engines, classes, a.repeat, a.repeat + a.next)
        return 0
    if not a.trawl_index or not a.lucene_index:
        ap.error("--trawl-index and --lucene-index are needed")

    build_dir = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
    if "lucene" in engines:
        subprocess.run([os.path.join(HERE, "build.sh")], check=True)
        with open(os.path.join(HERE, "build", "classpath")) as f:
            cp = f.read().strip()
    java_opts = os.environ.get("PEERS_JAVA_OPTS", "-Xms3g -Xmx3g").split()
    commands = {
        "trawl": [os.path.join(build_dir, "bench", "trawl-cold-bench"), a.trawl_index, a.queries],
        "lucene": ["java"] + java_opts + ["-cp", cp if "lucene" in engines else "", "LuceneColdBench",
                                          a.lucene_index, a.queries],
    }
    if a.warm_trawl_index:
        commands["trawl"] += ["--warm-on", a.warm_trawl_index]
    if a.warm_lucene_index:
        commands["lucene"] += ["--warm-on", a.warm_lucene_index]
    print(f"# cold start: {a.runs} runs x {len(classes)} classes x {engines}; repeat {a.repeat}, next {a.next}; "
          f"load {open('/proc/loadavg').read().split()[:3]}", flush=True)

    rows = []  # (engine, run, class, first qno, step, n, ms, faults, bytes, qno, hits, top_score, cpu ms)
    evict_failures = []
    for r in range(a.runs):
        order = engines if r % 2 == 0 else list(reversed(engines))
        for cls, qnos in classes.items():
            first = qnos[r % len(qnos)]
            nxt = [qnos[(r + 1 + i) % len(qnos)] for i in range(a.next)]
            for e in order:
                ok, msg = evict(build_dir, [a.trawl_index, a.lucene_index])
                if not ok:
                    evict_failures.append(f"run {r} {cls} {e}: {msg}")
                env = dict(os.environ)
                args = commands[e] + [str(first)] + [str(q) for q in nxt] + ["--repeat", str(a.repeat)]
                t0 = time.monotonic()
                env["COLD_LAUNCH_NS"] = str(time.time_ns())
                p = subprocess.run(args, capture_output=True, text=True, env=env)
                proc_ms = (time.monotonic() - t0) * 1e3
                if p.returncode != 0:
                    sys.exit(f"{e} failed ({p.returncode}): {' '.join(args)}\n{p.stdout}\n{p.stderr}")
                for s in parse(p.stdout):
                    rows.append((e, r, cls, first, s["step"], int(s["n"]), float(s["ms"]),
                                 int(s.get("major_faults", -1)), int(s.get("read_bytes", -1)),
                                 s.get("qno", ""), s.get("hits", ""), s.get("top_score", ""),
                                 float(s.get("cpu_ms", "nan"))))
                rows.append((e, r, cls, first, "process", 0, proc_ms, -1, -1, "", "", "", float("nan")))
        print(f"# run {r + 1}/{a.runs} done, load {open('/proc/loadavg').read().split()[:3]}", flush=True)

    if a.out:
        with open(a.out, "w") as f:
            f.write("#engine\trun\tclass\tfirst\tstep\tn\tms\tmajor_faults\tread_bytes\tqno\thits\ttop_score\tcpu_ms\n")
            for row in rows:
                f.write("\t".join(str(x) for x in row) + "\n")

    report(rows, engines, classes, a.repeat, a.repeat + a.next)
    print(f"evictions that left pages resident: {len(evict_failures)}")
    for m in evict_failures[:10]:
        print("  " + m)
    print(f"# load at the end {open('/proc/loadavg').read().split()[:3]}")
    return 1 if evict_failures else 0


if __name__ == "__main__":
    sys.exit(main())
