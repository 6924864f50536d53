#!/usr/bin/env python3
"""Real hard failures under the real trawl-index: a full disk, a read-only index directory and
an index directory that disappears while a writer runs.

  hard_failure_test.py TRAWL_INDEX TRAWL_SEARCH CASE      CASE: full | read-only | vanished

full       indexes into a small tmpfs (2 MiB, mounted here: needs root) until ENOSPC, then sweeps
           the free space left to an update so that the disk fills at every step of a commit
           (store, postings, merge, deletions, manifest).
read-only  the tmpfs remounted read-only (as root: root ignores permission bits), else the
           directory chmod 0555.
vanished   the directory renamed away, and removed, while a writer is between commits.

After every failure: exit status 1, one error line naming the file and the operating system's
reason, the previous commit intact (trawl-index --verify, the acknowledged documents found),
nothing left behind that the next writer trips on, and success once the cause is gone.
A case that cannot run here exits 77, which ctest reports as skipped.
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIPPED = 77
MIB = 1 << 20


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


class Tools:
    def __init__(self, index_bin, search_bin):
        self.index_bin = index_bin
        self.search_bin = search_bin

    def index(self, idx, *args, stdin=None):
        return subprocess.run([self.index_bin, "--index", idx, "--quiet", *args],
                              input=stdin, capture_output=True, text=True, timeout=120)

    def verify(self, idx):
        """The live documents of the current commit, after checking every file of it."""
        r = subprocess.run([self.index_bin, "--index", idx, "--verify"], capture_output=True,
                           text=True, timeout=120)
        check(r.returncode == 0, f"--verify failed ({r.returncode}): {r.stdout}{r.stderr}")
        m = re.search(r"^ok: .* (\d+) documents", r.stdout, re.M)
        check(m is not None, f"--verify said: {r.stdout}")
        return int(m.group(1))

    def count(self, idx, query):
        r = subprocess.run([self.search_bin, "--index", idx, "--count", query],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"trawl-search --count {query!r}: {r.stderr}")
        return int(r.stdout.split()[0])


VOCABULARY = ["".join(random.Random(w).choices("abcdefghijklmnopqrstuvwxyz", k=6))
              for w in range(5000)]


def documents(first, n, seed, words=120):
    """JSONL of documents d<first>..: words drawn from a vocabulary of 5,000, so that the index
    grows with every document (and not only with new terms)."""
    rng = random.Random(seed)
    lines = []
    for i in range(first, first + n):
        body = " ".join(rng.choices(VOCABULARY, k=words))
        lines.append('{"id": "d%d", "title": "document %d", "body": "%s"}\n' % (i, i, body))
    return "".join(lines)


def committed_counts(stdout):
    return [int(m) for m in re.findall(r"^committed (\d+)$", stdout, re.M)]


def error_line(result):
    lines = [l for l in result.stderr.splitlines() if l.startswith("trawl-index: error: ")]
    check(len(lines) == 1, f"expected one error line, got stderr: {result.stderr!r}")
    return lines[0]


def check_failed_cleanly(result, idx, cause):
    """Exit 1 and an error naming a file of the index and `cause` (strerror's words)."""
    check(result.returncode == 1,
          f"expected exit 1, got {result.returncode}: {result.stderr}")
    line = error_line(result)
    check(cause in line, f"error does not give the cause {cause!r}: {line}")
    check(re.search(re.escape(idx) + r"(/[\w.-]+)?: ", line) is not None,
          f"error does not name the file: {line}")
    return line


def index_files(idx):
    return sorted(os.listdir(idx))


def check_next_writer_cleans_up(tools, idx):
    """A writer that opens the index removes what a failed one left: afterwards only the
    lock, manifests and the files they reference remain."""
    r = tools.index(idx, "--delete", "no-such-id")
    check(r.returncode == 0, f"a writer could not open the index after the failure: {r.stderr}")
    manifests = [n for n in index_files(idx) if re.fullmatch(r"manifest-\d+", n)]
    referenced = set()
    for m in manifests:
        with open(os.path.join(idx, m), "rb") as f:
            data = f.read()
        for name in re.findall(rb'"name": ?"(seg_\d+)"', data):
            for suffix in (".meta", ".dict", ".post", ".pos", ".len", ".store", ".col"):
                referenced.add(name.decode() + suffix)
        referenced.update(d.decode() for d in re.findall(rb'"deletes": ?"([^"]+)"', data))
    stray = [n for n in index_files(idx)
             if n != "LOCK" and n not in manifests and n not in referenced]
    check(not stray, f"left behind after the next writer opened: {stray}")


def mount_tmpfs(path, size):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "trawl-test", path],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


def remount(path, options):
    subprocess.run(["mount", "-o", f"remount,{options}", path], check=True,
                   capture_output=True)


def fill(path, leave):
    """Fills the file system of `path` with a file there, leaving `leave` bytes free."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        chunk = b"\xa5" * 65536
        while True:
            try:
                if os.write(fd, chunk) == 0:
                    break
            except OSError:
                break
        size = os.fstat(fd).st_size
        os.ftruncate(fd, max(0, size - leave))
    finally:
        os.close(fd)
    return filler


# --- full ---

def case_full(tools, root):
    if os.geteuid() != 0:
        print("SKIPPED: a full disk needs a small tmpfs, and mounting one needs root")
        return SKIPPED
    mnt = os.path.join(root, "mnt")
    os.mkdir(mnt)
    mounted, why = mount_tmpfs(mnt, "2m")
    if not mounted:
        print(f"SKIPPED: cannot mount a tmpfs here ({why})")
        return SKIPPED
    try:
        full_until_enospc(tools, root, mnt)
        full_at_every_step(tools, root, mnt)
    finally:
        subprocess.run(["umount", "-l", mnt])
    return 0


def full_until_enospc(tools, root, mnt):
    idx = os.path.join(mnt, "idx")
    source = os.path.join(root, "docs.jsonl")
    total = 4000  # more than the tmpfs holds
    with open(source, "w") as f:
        f.write(documents(0, total, seed=1))
    r = tools.index(idx, "--commit-every", "100", "--merge-factor", "4", source)
    acked = committed_counts(r.stdout)
    line = check_failed_cleanly(r, idx, "No space left on device")
    check(acked, f"the tmpfs filled before the first commit: {line}")
    check(f"the first {acked[-1]} documents were committed" in line,
          f"the error does not say what was committed: {line}")
    print(f"full: {acked[-1]} documents committed before: {line}")
    check(tools.verify(idx) == acked[-1], "the index does not hold what was acknowledged")
    check(tools.count(idx, f"id:d{acked[-1] - 1}") == 1, "the last acknowledged document is lost")
    check(tools.count(idx, f"id:d{acked[-1]}") == 0, "an unacknowledged document is visible")
    # Still full: another run fails the same clean way and changes nothing.
    r = tools.index(idx, source)
    check_failed_cleanly(r, idx, "No space left on device")
    check(tools.verify(idx) == acked[-1], "a failed run changed the index")
    # Space freed: the same input goes in whole (its committed documents are replaced).
    remount(mnt, "size=64m")
    check_next_writer_cleans_up(tools, idx)
    r = tools.index(idx, source)
    check(r.returncode == 0, f"indexing failed once space was freed: {r.stderr}")
    check(tools.verify(idx) == total, "documents missing once space was freed")
    shutil.rmtree(idx)
    remount(mnt, "size=2m")


def full_at_every_step(tools, root, mnt):
    """An update (new documents, replaced ones, deletions, merges) on a disk with less and less
    room: each attempt either commits or fails cleanly leaving the previous commit."""
    idx = os.path.join(mnt, "idx")
    base = os.path.join(root, "base.jsonl")
    with open(base, "w") as f:
        f.write(documents(0, 300, seed=2, words=40))
    r = tools.index(idx, "--merge-factor", "3", base)
    check(r.returncode == 0, f"the base index: {r.stderr}")
    update = os.path.join(root, "update.jsonl")
    # Replaces a hundred documents and adds a hundred: deletion files and a new segment.
    with open(update, "w") as f:
        f.write(documents(200, 200, seed=3, words=40))
    # The update needs about 450 KiB: from enough room down to none.
    attempts, failures, step, where = 0, 0, 24 * 1024, set()
    leave = 640 * 1024
    while leave >= 0:
        expected = tools.verify(idx)
        filler = fill(mnt, leave)
        # The input before --delete, which takes every word after it as an id.
        r = tools.index(idx, "--merge-factor", "3", update, "--delete", "d7")
        attempts += 1
        if r.returncode != 0:
            failures += 1
            line = check_failed_cleanly(r, idx, "No space left on device")
            where.add(re.sub(r"\d+", "N", re.search(re.escape(idx) + r"/([\w.-]+)", line).group(1)))
            check(tools.verify(idx) == expected, f"a failed update changed the index: {r.stderr}")
            check(tools.count(idx, "id:d7") == 1, "a failed update deleted a document")
        os.remove(filler)
        if r.returncode == 0:
            found = tools.verify(idx)
            check(found == 399, f"the update left {found} documents, not 399")
            # Start over from the base, for the next amount of room.
            shutil.rmtree(idx)
            r = tools.index(idx, "--merge-factor", "3", base)
            check(r.returncode == 0, f"the base index: {r.stderr}")
        else:
            check_next_writer_cleans_up(tools, idx)
        leave -= step
    check(failures > 0, "the disk never filled during the update")
    check(failures < attempts, "the update never had room enough")
    print(f"full: {attempts} updates with less and less room, {failures} failed cleanly, "
          f"writing {', '.join(sorted(where))}")
    shutil.rmtree(idx)


# --- read-only ---

def case_read_only(tools, root):
    if os.geteuid() == 0:
        # Root writes into a chmod 0555 directory anyway: make the file system read-only.
        mnt = os.path.join(root, "mnt")
        os.mkdir(mnt)
        mounted, why = mount_tmpfs(mnt, "16m")
        if not mounted:
            print(f"SKIPPED: root ignores permissions, and no tmpfs can be mounted ({why})")
            return SKIPPED
        try:
            read_only(tools, root, os.path.join(mnt, "idx"),
                      make_read_only=lambda: remount(mnt, "ro"),
                      make_writable=lambda: remount(mnt, "rw"),
                      cause="Read-only file system")
        finally:
            subprocess.run(["umount", "-l", mnt])
    else:
        idx = os.path.join(root, "idx")
        read_only(tools, root, idx,
                  make_read_only=lambda: os.chmod(idx, 0o555),
                  make_writable=lambda: os.chmod(idx, 0o755),
                  cause="Permission denied")
    return 0


def read_only(tools, root, idx, make_read_only, make_writable, cause):
    first = os.path.join(root, "first.jsonl")
    with open(first, "w") as f:
        f.write(documents(0, 50, seed=4, words=30))
    r = tools.index(idx, first)
    check(r.returncode == 0, f"the first commit: {r.stderr}")
    more = os.path.join(root, "more.jsonl")
    with open(more, "w") as f:
        f.write(documents(50, 50, seed=5, words=30))
    make_read_only()
    before = index_files(idx)
    for args in ([more], ["--delete", "d1"], ["--optimize"]):
        r = tools.index(idx, *args)
        line = check_failed_cleanly(r, idx, cause)
        check(index_files(idx) == before, f"a writer changed a read-only directory: {args}")
    print(f"read-only: {line}")
    # Readers need no write access.
    check(tools.verify(idx) == 50, "the index does not read on a read-only directory")
    check(tools.count(idx, "id:d49") == 1, "a search failed on a read-only directory")
    make_writable()
    r = tools.index(idx, more)
    check(r.returncode == 0, f"indexing failed once the directory was writable: {r.stderr}")
    check(tools.verify(idx) == 100, "documents missing once the directory was writable")


# --- vanished ---

class StreamingWriter:
    """trawl-index reading JSONL from a pipe, committing every `every` documents: the test
    decides what happens between commits."""

    def __init__(self, tools, idx, every):
        self.proc = subprocess.Popen(
            [tools.index_bin, "--index", idx, "--quiet", "--commit-every", str(every), "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def add_and_wait_commit(self, jsonl, committed):
        self.proc.stdin.write(jsonl)
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        check(line == f"committed {committed}\n", f"expected a commit, read {line!r}")

    def finish(self, jsonl):
        out, err = self.proc.communicate(input=jsonl, timeout=120)
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)


def case_vanished(tools, root):
    # Gone between commits; and gone with documents buffered (their store file open), which
    # the commit then finds out.
    for how, buffered in (("renamed", False), ("removed", False), ("renamed", True)):
        idx = os.path.join(root, f"idx-{how}-{'buffered' if buffered else 'idle'}")
        w = StreamingWriter(tools, idx, every=40)
        w.add_and_wait_commit(documents(0, 40, seed=6, words=30), 40)
        rest = documents(40, 30, seed=7, words=30)
        if buffered:
            w.proc.stdin.write(rest)
            w.proc.stdin.flush()
            rest = ""
            time.sleep(0.5)  # time to read them into the writer
        moved = idx + ".moved"
        if how == "renamed":
            os.rename(idx, moved)
        else:
            shutil.rmtree(idx)
        r = w.finish(rest)
        line = check_failed_cleanly(r, idx, "No such file or directory")
        check("the first 40 documents were committed" in line,
              f"the error does not say what was committed: {line}")
        print(f"vanished ({how}, {'buffered' if buffered else 'idle'}): {line}")
        check(not os.path.exists(idx), f"the failed writer made {idx} again")
        if how == "renamed":
            # The commit went with the directory, whole, and a writer carries on there.
            check(tools.verify(moved) == 40, "the moved index lost its commit")
            check_next_writer_cleans_up(tools, moved)
            r = tools.index(moved, "-", stdin=documents(40, 60, seed=7, words=30))
            check(r.returncode == 0, f"a writer on the moved index: {r.stderr}")
            check(tools.verify(moved) == 100, "documents missing on the moved index")
    return 0


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("full", "read-only", "vanished"):
        print(__doc__)
        return 2
    tools = Tools(sys.argv[1], sys.argv[2])
    case = {"full": case_full, "read-only": case_read_only, "vanished": case_vanished}[sys.argv[3]]
    root = tempfile.mkdtemp(prefix="trawl_hard_failure_")
    start = time.monotonic()
    try:
        status = case(tools, root)
    except Failure as e:
        print(f"FAILED: {e}")
        return 1
    finally:
        for dirpath, dirnames, _ in os.walk(root):  # a chmod 0555 directory left by a failure
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(root, ignore_errors=True)
    if status == 0:
        print(f"{sys.argv[3]}: ok in {time.monotonic() - start:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
