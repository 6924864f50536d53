#!/usr/bin/env python3
"""The kill loop run long, as a benchmark (tests/crash_test.cc runs 200 kills in CI).

  bench/kill_loop.py [--kills 1000] [--build build] [--work DIR] [--seed N]

Each of --kills runs of trawl-index adds a part of fresh documents (ids r<run>-<i>) with
--commit-every, small flushes (--memory-mb 1), a small --merge-factor so that commits merge
often, and every seventh run --optimize; it is SIGKILLed at a random moment of the run, so
that kills land while documents are added, segments flushed, commits written and segments
merged. Whatever a run printed as "committed N" before it died is acknowledged. Every
--check-every runs, and at the end, the index must pass trawl-index --verify and hold every
acknowledged document (a batch of trawl-search --count queries, one per run).

Prints the kills, where they landed, the documents acknowledged and the documents lost (must be
0), and exits 1 on any loss or failed verification.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def part(run, n, rng):
    lines = []
    for i in range(n):
        pad = "x" * rng.randrange(200)
        lines.append('{"id": "r%d-%d", "title": "run %d", "body": "kill loop document %d of run '
                     '%d payload%s"}\n' % (run, i, run, i, run, pad))
    return "".join(lines)


def run_and_kill(index_bin, idx, source, delay, optimize):
    args = [index_bin, "--index", idx, "--commit-every", "40", "--threads", "2",
            "--memory-mb", "1", "--merge-factor", "3", "--quiet", source]
    if optimize:
        args.insert(-1, "--optimize")
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
            finished = True
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            finished = False
        out.seek(0)
        acked = [int(m) for m in re.findall(r"^committed (\d+)$", out.read(), re.M)]
    return (max(acked) if acked else 0), finished, proc.returncode


def check(index_bin, search_bin, idx, acked):
    """Verification problems and the documents lost, over every run acknowledged so far."""
    if not os.path.exists(os.path.join(idx)) or not any(
            n.startswith("manifest-") for n in os.listdir(idx)):
        lost = sum(acked.values())
        return ([] if lost == 0 else ["no commit"]), lost
    problems = []
    r = subprocess.run([index_bin, "--index", idx, "--verify-all"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        problems.append(r.stdout + r.stderr)
    runs = sorted(run for run, n in acked.items() if n > 0)
    queries = "".join(f"id:r{run}-*\n" for run in runs)
    r = subprocess.run([search_bin, "--index", idx, "--count", "--queries", "-"],
                       input=queries, capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("trawl-search: " + r.stderr)
        return problems, 0
    lost = 0
    for run, line in zip(runs, r.stdout.splitlines()):
        found = json.loads(line)["total"]
        lost += max(0, acked[run] - found)
    return problems, lost


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=1000)
    ap.add_argument("--docs-per-run", type=int, default=160)
    ap.add_argument("--check-every", type=int, default=50)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--work", default=None, help="scratch directory (default: a new one in /tmp)")
    ap.add_argument("--seed", type=int, default=2026)
    opts = ap.parse_args()
    index_bin = os.path.join(opts.build, "trawl-index")
    search_bin = os.path.join(opts.build, "trawl-search")
    work = opts.work or tempfile.mkdtemp(prefix="trawl_kill_loop_")
    os.makedirs(work, exist_ok=True)
    idx = os.path.join(work, "idx")
    rng = random.Random(opts.seed)
    start = time.monotonic()

    # Time complete runs first, so that kills land anywhere in a run.
    sample = os.path.join(work, "sample.jsonl")
    with open(sample, "w") as f:
        f.write(part(-1, opts.docs_per_run, rng))
    times = []
    for _ in range(3):
        t = time.monotonic()
        subprocess.run([index_bin, "--index", os.path.join(work, "timing"), "--commit-every",
                        "40", "--threads", "2", "--memory-mb", "1", "--merge-factor", "3",
                        "--quiet", sample], stdout=subprocess.DEVNULL, check=True)
        times.append(time.monotonic() - t)
        shutil.rmtree(os.path.join(work, "timing"))
    delay_max = sorted(times)[1] * 1.2

    acked = {}
    kills = finished = before_first_commit = mid_run = 0
    checks = problems_total = lost_total = 0
    for run in range(opts.kills):
        source = os.path.join(work, "part.jsonl")
        with open(source, "w") as f:
            f.write(part(run, opts.docs_per_run, rng))
        n, done, _ = run_and_kill(index_bin, idx, source, rng.uniform(0, delay_max),
                                  optimize=run % 7 == 6)
        acked[run] = n
        if done:
            finished += 1
        else:
            kills += 1
            before_first_commit += n == 0
            mid_run += 0 < n
        # The index grows and runs slow down: follow them, so that kills keep landing in every
        # phase of a run (as tests/crash_test.cc does).
        if n == 0:
            delay_max = min(delay_max * 1.125, 3.0)
        elif done or n == opts.docs_per_run:
            delay_max = max(delay_max * 15 / 16, 0.002)
        if run % opts.check_every == opts.check_every - 1 or run == opts.kills - 1:
            problems, lost = check(index_bin, search_bin, idx, acked)
            checks += 1
            problems_total += len(problems)
            lost_total = max(lost_total, lost)
            for p in problems:
                print(f"run {run}: {p.strip()}", file=sys.stderr)
            print(f"run {run + 1}/{opts.kills}: {sum(acked.values())} acknowledged, "
                  f"{lost} lost, {time.monotonic() - start:.0f} s", flush=True)
    total = sum(acked.values())
    print(json.dumps({
        "runs": opts.kills, "killed": kills, "finished_before_kill": finished,
        "killed_before_first_commit": before_first_commit,
        "killed_after_a_commit": mid_run, "documents_acknowledged": total,
        "documents_lost": lost_total, "checks": checks, "verify_problems": problems_total,
        "seconds": round(time.monotonic() - start, 1)}))
    if opts.work is None:
        shutil.rmtree(work)
    return 0 if lost_total == 0 and problems_total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
