#!/usr/bin/env python3
"""trawl-index --mpi end to end, with Open MPI's mpirun on this machine (docs/scaling.md).

  mpi_driver_test.py TRAWL_INDEX TRAWL_SEARCH

- mpirun --oversubscribe -np 4 trawl-index --mpi --parts 6 over generated JSONL builds
  DIR/part-0..5 and DIR/shards.json, and trawl-search --index DIR gives the counts and rankings
  (ids and scores) of one plain trawl-index run over the same inputs;
- a part that fails makes the whole job exit non-zero, naming the part and the cause, without
  shards.json and without hanging; a rank killed after its part's commit (before the part's
  marker) ends the job too. The rerun of the same command builds only the parts that did not
  complete (the others' markers stay untouched) and gives the same answers;
- a different --parts on an existing set, and -np without --parts (one part per rank), also
  with the store's compression options (--store-block, --store-level), which every part takes.

Exits 77 (ctest: skipped) when mpirun is not installed or trawl-index was built without MPI.
"""
import glob
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

SKIPPED = 77
PARTS = 6
QUERIES = ["w1", "w3 w77", '"w1 w2"', "w5 OR w250", "rare", "title:w7", "w0 -w1"]


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def mpi_env(**extra):
    env = dict(os.environ)
    # CI runs as root, which mpirun refuses unless told; all traffic stays on loopback.
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_btl="self,tcp", OMPI_MCA_btl_tcp_if_include="lo",
               OMPI_MCA_oob_tcp_if_include="lo", OMPI_MCA_btl_vader_single_copy_mechanism="none")
    # Under AddressSanitizer, Open MPI's own allocations that live until exit are reported as
    # leaks; the plain runs of trawl-index in the other tests check ours.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    env.update(extra)
    return env


class Tools:
    def __init__(self, index_bin, search_bin, work):
        self.index_bin = index_bin
        self.search_bin = search_bin
        self.work = work
        self.inputs = []

    def make_inputs(self):
        """Three JSONL files of 1000 documents each, of different lengths and vocabularies, so
        that the parts' statistics differ and only the union's give the reference scores."""
        rng = random.Random(16)
        for f, (low, high) in enumerate([(3, 12), (20, 80), (5, 30)]):
            path = os.path.join(self.work, f"in{f}.jsonl")
            with open(path, "w") as out:
                for i in range(1000):
                    words = [f"w{min(rng.randrange(300), rng.randrange(300))}"
                             for _ in range(rng.randint(low, high))]
                    if f == 0 and i % 50 == 0:
                        words.append("rare")
                    doc = {"id": f"doc-{f}-{i}",
                           "title": " ".join(f"w{rng.randrange(40)}" for _ in range(3)),
                           "body": " ".join(words)}
                    out.write(json.dumps(doc) + "\n")
            self.inputs.append(path)

    def mpirun(self, ranks, idx, *args, env=None):
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)]
        for name in (env or {}):
            cmd += ["-x", name]
        cmd += [self.index_bin, "--mpi", "--index", idx, "--threads", "1", "--json-summary",
                *args, *self.inputs]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                           env=mpi_env(**(env or {})))
        summary = None
        for line in r.stdout.splitlines():
            if line.startswith("{"):
                summary = json.loads(line)
        return r, summary

    def index(self, idx):
        r = subprocess.run([self.index_bin, "--index", idx, "--quiet", "--threads", "1",
                            *self.inputs], capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"plain trawl-index failed: {r.stderr}")

    def answers(self, idx):
        """For each query: the count, the top 10 as (id, score) and every match's score."""
        out = {}
        for query in QUERIES:
            r = subprocess.run([self.search_bin, "--index", idx, "--json", "--top", "100000",
                                query], capture_output=True, text=True, timeout=60)
            check(r.returncode == 0, f"trawl-search {idx} {query!r}: {r.stderr}")
            result = json.loads(r.stdout)
            hits = [(h["id"], h["score"]) for h in result["hits"]]
            check(len(hits) == result["total"], f"{query!r}: not every hit returned")
            # Equal scores fall to index order, which differs between one index and a shard
            # set; ordered by (score, id), both must list the same documents with the same
            # scores. (Rounded for the order: a sum of several clauses' scores may differ in
            # the last bit when the segments differ, see compare().)
            hits.sort(key=lambda h: (-round(h[1], 9), h[0]))
            out[query] = {"total": result["total"], "top10": hits[:10], "scores": dict(hits)}
        return out


def same_scores(a, b):
    # The union's statistics give the one index's scores; a query of several clauses adds
    # their scores in an order that may depend on the segment, so the last bit may differ
    # (e.g. 9.501877942500071 and 9.50187794250007 for "w5 OR w250").
    return a.keys() == b.keys() and all(math.isclose(a[k], b[k], rel_tol=1e-12) for k in a)


def compare(reference, answers, what):
    for query in QUERIES:
        ref, got = reference[query], answers[query]
        check(got["total"] == ref["total"],
              f"{what}: {query!r} counts {got['total']}, one index {ref['total']}")
        check([h[0] for h in got["top10"]] == [h[0] for h in ref["top10"]] and
              same_scores(dict(got["top10"]), dict(ref["top10"])),
              f"{what}: {query!r} top 10 {got['top10']}\n  one index {ref['top10']}")
        check(same_scores(got["scores"], ref["scores"]),
              f"{what}: {query!r} scores differ from one index")


def markers(idx):
    """part -> mtime of its marker."""
    out = {}
    for name in os.listdir(idx):
        if name.startswith("part-") and name.endswith(".committed"):
            out[int(name[len("part-"):-len(".committed")])] = os.stat(
                os.path.join(idx, name)).st_mtime_ns
    return out


def check_complete(tools, idx, summary, r, reference, what):
    check(r.returncode == 0, f"{what}: exit {r.returncode}: {r.stderr}")
    check(summary is not None and summary["status"] == "ok", f"{what}: summary {summary}")
    check(summary["documents"] == 3000, f"{what}: {summary['documents']} documents")
    with open(os.path.join(idx, "shards.json")) as f:
        listed = json.load(f)["shards"]
    check(listed == [f"part-{i}" for i in range(summary["parts"])],
          f"{what}: shards.json lists {listed}")
    compare(reference, tools.answers(idx), what)


def test_build(tools, reference):
    idx = os.path.join(tools.work, "set")
    r, summary = tools.mpirun(4, idx, "--parts", str(PARTS))
    check_complete(tools, idx, summary, r, reference, "4 ranks, 6 parts")
    check(sorted(summary["built"]) == list(range(PARTS)) and summary["reused"] == [],
          f"first run built {summary['built']}, reused {summary['reused']}")
    runs = summary["part_runs"]
    check(sum(p["documents"] for p in runs) == 3000, f"part counts {runs}")
    check(len({p["rank"] for p in runs}) > 1, f"one rank built everything: {runs}")
    # Each part holds exactly the documents --part I/6 would.
    for run in runs:
        check(run["summary"]["other_parts"] == 3000 - run["documents"], f"part {run}")

    # The same command again: everything is there, nothing is rebuilt.
    before = markers(idx)
    r, summary = tools.mpirun(2, idx, "--parts", str(PARTS))
    check_complete(tools, idx, summary, r, reference, "rerun of a complete job")
    check(summary["built"] == [] and summary["reused"] == list(range(PARTS)),
          f"rerun built {summary['built']}")
    check(markers(idx) == before, "a complete part's marker was rewritten")

    # Another part count on the same set is refused, and changes nothing.
    r, summary = tools.mpirun(2, idx, "--parts", "5")
    check(r.returncode == 1 and "--parts 6" in r.stderr, f"--parts 5 over 6: {r.stderr}")
    check(summary is not None and summary["status"] == "failed", f"--parts 5: {summary}")
    check(markers(idx) == before, "a refused job touched the set")
    return idx


def test_rerun_after(tools, reference, name, hook, part):
    """A job that stops at part `part` (hook: the test variable), then its rerun."""
    idx = os.path.join(tools.work, name)
    r, summary = tools.mpirun(4, idx, "--parts", str(PARTS), env={hook: str(part)})
    check(r.returncode != 0, f"{name}: the job succeeded")
    check(not os.path.exists(os.path.join(idx, "shards.json")), f"{name}: shards.json written")
    if hook == "TRAWL_TEST_MPI_FAIL_PART":
        check(f"part {part} " in r.stderr and "injected" in r.stderr,
              f"{name}: the error does not name the part and cause: {r.stderr}")
        check(summary is not None and summary["status"] == "failed", f"{name}: {summary}")
    else:
        # Killed between the commit and the marker: a committed index nobody vouches for.
        check(os.path.isdir(os.path.join(idx, f"part-{part}")), f"{name}: part-{part} missing")
    done = markers(idx)
    check(part not in done, f"{name}: part {part} has a marker")

    r, summary = tools.mpirun(4, idx, "--parts", str(PARTS))
    check_complete(tools, idx, summary, r, reference, f"{name}: rerun")
    check(sorted(summary["reused"]) == sorted(done),
          f"{name}: rerun reused {summary['reused']}, completed before: {sorted(done)}")
    check(sorted(summary["built"]) == sorted(set(range(PARTS)) - set(done)),
          f"{name}: rerun built {summary['built']}")
    after = markers(idx)
    for p, mtime in done.items():
        check(after[p] == mtime, f"{name}: part {p} was rebuilt")


def store_bytes(idx):
    return sum(os.path.getsize(p)
               for p in glob.glob(os.path.join(idx, "**", "*.store"), recursive=True))


def test_one_part_per_rank(tools, reference):
    idx = os.path.join(tools.work, "per-rank")
    r, summary = tools.mpirun(2, idx)
    check_complete(tools, idx, summary, r, reference, "2 ranks, no --parts")
    check(summary["parts"] == 2, f"parts {summary['parts']}")

    # The store's compression options reach every rank's parts: the same answers (their ids
    # read from the stores), from other stores.
    small = os.path.join(tools.work, "per-rank-small-blocks")
    r, summary = tools.mpirun(2, small, "--store-block", "1K", "--store-level", "9")
    check_complete(tools, small, summary, r, reference, "2 ranks, 1 KiB store blocks")
    check(store_bytes(idx) > 0 and store_bytes(small) != store_bytes(idx),
          f"--store-block 1K changed no store ({store_bytes(idx)} bytes)")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    index_bin, search_bin = sys.argv[1:]
    if shutil.which("mpirun") is None:
        print("skipped: no mpirun (Debian: openmpi-bin)")
        return SKIPPED
    probe = subprocess.run([index_bin, "--mpi", "--index", "/nonexistent", "/nonexistent"],
                           capture_output=True, text=True, timeout=60, env=mpi_env())
    if "built without MPI" in probe.stderr:
        print("skipped: trawl-index was built without MPI (-DTRAWL_MPI=OFF)")
        return SKIPPED
    work = tempfile.mkdtemp(prefix="trawl-mpi-")
    try:
        tools = Tools(index_bin, search_bin, work)
        tools.make_inputs()
        tools.index(os.path.join(work, "one"))
        reference = tools.answers(os.path.join(work, "one"))
        check(reference["rare"]["total"] == 20, f"reference: {reference['rare']['total']}")
        test_build(tools, reference)
        test_rerun_after(tools, reference, "failed", "TRAWL_TEST_MPI_FAIL_PART", 4)
        test_rerun_after(tools, reference, "killed", "TRAWL_TEST_MPI_KILL_PART", 1)
        test_one_part_per_rank(tools, reference)
    except Failure as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
