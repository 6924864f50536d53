#!/usr/bin/env python3
"""trawl-search's interactive shell through a real terminal: the program runs on a pty, as if a
person typed at it, and the tests read what it printed. Standard library only.

    test_shell.py TRAWL_INDEX TRAWL_SEARCH
"""
import fcntl
import json
import os
import pty
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest

INDEX_BIN = SEARCH_BIN = None
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\r|\x07")
PROMPT = "trawl> "

COLORS = ["red", "green", "blue"]


def corpus(first, last):
    lines = []
    for i in range(first, last + 1):
        doc = {"id": "doc%02d" % i, "title": "Document %d" % i,
               "body": "common words in document number %d" % i,
               "color": COLORS[i % 3], "n": i}
        if i == 3:
            doc["title"] = "Zebra herd"
            doc["body"] += " the zebra grazes while a zebra herd crosses the plain"
        lines.append(json.dumps(doc))
    return "\n".join(lines) + "\n"


SCHEMA = {"fields": {"title": {"type": "text"}, "body": {"type": "text"},
                     "color": {"type": "keyword"}, "n": {"type": "int"}}}


class Shell:
    """trawl-search on a pty: type() sends keys, expect() waits for text on the screen."""

    def __init__(self, index, env):
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execve(SEARCH_BIN, [SEARCH_BIN, "--index", index], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.raw = b""   # everything printed
        self.seen = ""  # the same, escapes removed
        self.mark = 0   # expect() searches from here
        self.status = None  # the exit status, once it ended

    def type(self, keys):
        os.write(self.fd, keys.encode())

    def line(self, text):
        """Types a line and waits for what it printed up to the next prompt."""
        self.type(text + "\r")
        return self.expect_prompt()

    def read_some(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.raw += data
        self.seen += ANSI.sub("", data.decode("utf-8", "replace"))
        return True

    def expect(self, pattern, timeout=5):
        """The text from the mark to the end of the first match of `pattern`; moves the mark."""
        regex = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = regex.search(self.seen, self.mark)
            if m:
                text = self.seen[self.mark:m.end()]
                self.mark = m.end()
                return text
            left = end - time.monotonic()
            if left <= 0 or not self.read_some(left) and self.exited():
                raise AssertionError("%r not seen; screen since mark:\n%s\nraw: %r"
                                     % (pattern, self.seen[self.mark:], self.raw[-300:]))

    def expect_prompt(self):
        return self.expect(re.escape(PROMPT) + "$")

    def exited(self):
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                self.status = status
        return self.status is not None

    def close(self):
        if not self.exited():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


class ShellTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="trawl-shell-")
        cls.index = os.path.join(cls.tmp, "index")
        with open(os.path.join(cls.tmp, "schema.json"), "w") as f:
            json.dump(SCHEMA, f)
        with open(os.path.join(cls.tmp, "corpus.jsonl"), "w") as f:
            f.write(corpus(1, 25))
        subprocess.run([INDEX_BIN, "--quiet", "--index", cls.index, "--schema",
                        os.path.join(cls.tmp, "schema.json"),
                        os.path.join(cls.tmp, "corpus.jsonl")], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.home = tempfile.mkdtemp(dir=self.tmp)
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm",
                    "HOME": self.home, "XDG_STATE_HOME": os.path.join(self.home, "state"),
                    "NO_COLOR": "1"}
        self.shells = []

    def tearDown(self):
        for shell in self.shells:
            shell.close()

    def start(self, index=None, **env):
        shell = Shell(index or self.index, dict(self.env, **env))
        self.shells.append(shell)
        shell.expect("25 documents")
        shell.expect_prompt()
        return shell

    def test_query_and_pages(self):
        shell = self.start()
        shell.line(":top 10")
        out = shell.line("common")
        self.assertIn("25 matches", out)
        self.assertIn("showing 1-10", out)
        self.assertIn("15 more: Enter or :next", out)
        self.assertIn("showing 11-20", shell.line(""))  # Enter: the next page
        out = shell.line(":next")
        self.assertIn("showing 21-25", out)
        self.assertNotIn("more:", out)
        self.assertIn("no next page", shell.line(":next"))
        self.assertIn("showing 11-20", shell.line(":prev"))
        self.assertIn("1 match", shell.line("zebra"))
        self.assertIn(b"[zebra]", shell.raw)  # NO_COLOR: highlights in brackets, no escapes
        self.assertNotIn(b"\x1b[1;33m", shell.raw)
        self.assertNotIn(b"\x1b[36m", shell.raw)

    def test_show_explain_count(self):
        shell = self.start()
        out = shell.line("zebra")
        self.assertIn("doc03", out)
        out = shell.line(":show 1")
        self.assertIn("id: doc03", out)
        self.assertIn("title: Zebra herd", out)
        self.assertIn("color: red", out)
        self.assertIn("the zebra grazes", out)
        out = shell.line(":explain 1")
        self.assertIn("doc03", out)
        self.assertRegex(out, r"\n  \d+\.\d+ ")      # the hit's score on top
        self.assertRegex(out, r"\n    +\d[\d.e+-]* ")  # details indented below it
        self.assertIn("there is no hit 2", shell.line(":explain 2"))
        self.assertIn("\n1\n", shell.line(":count"))
        self.assertIn("25", shell.line(":count common"))

    def test_analyze_shows_the_terms_and_their_documents(self):
        shell = self.start()
        out = shell.line(":analyze body: The Zebras, GRAZING")
        self.assertIn('body:="zebra"  1 document\n', out)
        self.assertIn('body:="graze"  1 document\n', out)
        self.assertIn('body:="the"  1 document\n', out)
        self.assertIn('color:="red"  8 documents', shell.line(":analyze color:red"))
        self.assertIn('color:="Red"  0 documents', shell.line(":analyze color:Red"))
        out = shell.line(":analyze Zebras")  # the index's analyzer
        self.assertRegex(out, r"\nzebra\n")
        self.assertIn("field 'n' is int", shell.line(":analyze n:4"))
        self.assertIn(":analyze needs a text", shell.line(":analyze body:"))
        # What it shows is a query that searches the term as it is.
        self.assertIn("1 match", shell.line('body:="zebra"'))
        self.assertIn("0 matches", shell.line('body:="Zebras"'))

    def test_show_pages_a_long_document(self):
        index = os.path.join(self.tmp, "long")
        long_doc = os.path.join(self.tmp, "long.jsonl")
        with open(long_doc, "w") as f:
            f.write(json.dumps({"id": "long", "title": "Long", "tag": ["a", "b", "c"],
                                "body": "\n".join("line %d" % i for i in range(200))}) + "\n")
        subprocess.run([INDEX_BIN, "--quiet", "--index", index, long_doc], check=True)
        shell = Shell(index, self.env)
        self.shells.append(shell)
        shell.expect_prompt()
        shell.line("long")
        shell.type(":show 1\r")
        out = shell.expect("-- more: Enter, q to stop --")
        self.assertIn("tag: a, b, c", out)
        self.assertIn("line 0\n", out)
        self.assertNotIn("line 60\n", out)  # 50 rows: one screen, less its prompt line
        shell.type("\r")
        out = shell.expect("-- more: Enter, q to stop --")
        self.assertIn("line 60\n", out)
        shell.type("q\r")
        out = shell.expect_prompt()
        self.assertNotIn("line 199", out)
        self.assertIn("1 match", shell.line("long"))

    def test_show_through_pager(self):
        shell = self.start(PAGER="tr a-z A-Z")
        shell.line("zebra")
        self.assertIn("TITLE: ZEBRA HERD", shell.line(":show 1"))

    def test_filter_sort_facet(self):
        shell = self.start()
        shell.line("common")
        out = shell.line(":filter color:red")
        self.assertIn("8 matches", out)  # 3, 6, ..., 24
        out = shell.line(":sort n:desc")
        self.assertRegex(out, r"1\. [\d.]+  doc24")
        out = shell.line(":facet color")
        self.assertIn("color:  red (8)", out)
        out = shell.line(":filter")
        self.assertIn("25 matches", out)
        self.assertRegex(out, r"color:  (\w+ \(\d\)  ){2}\w+ \(\d\)\n")
        self.assertRegex(out, r"1\. [\d.]+  doc25")
        self.assertRegex(shell.line(":sort"), r"1\. [\d.]+  doc\d\d")
        out = shell.line(":facet")
        self.assertNotIn("color:  ", out)
        out = shell.line(":stats")
        self.assertIn("documents: 25", out)
        self.assertIn("last query: common", out)
        self.assertIn("n  int", shell.line(":fields"))

    def test_syntax_error_caret(self):
        shell = self.start()
        out = shell.line("zebra AND (herd")
        m = re.search(r"column (\d+)", out)
        self.assertIsNotNone(m, out)
        caret = [l for l in out.split("\n") if l.strip() == "^"]
        self.assertEqual(len(caret), 1, out)
        self.assertEqual(caret[0].index("^"), len(PROMPT) + int(m.group(1)) - 1, out)
        self.assertIn("1 match", shell.line("zebra"))  # the shell goes on
        out = shell.line("   :filter color:(red")  # under the argument, after the spaces
        caret = [l for l in out.split("\n") if l.strip() == "^"]
        self.assertEqual(len(caret), 1, out)
        column = int(re.search(r"column (\d+)", out).group(1))
        self.assertEqual(caret[0].index("^"), len(PROMPT) + len("   :filter ") + column - 1, out)

    def test_ctrl_c_clears_the_line_and_ctrl_d_exits(self):
        shell = self.start()
        shell.type("zebra herd")
        shell.expect("zebra herd")
        shell.type("\x03")
        out = shell.expect_prompt()
        self.assertIn("^C", out)
        out = shell.line("common")
        self.assertIn("25 matches", out)  # not "zebra herdcommon"
        shell.type("\x04")
        deadline = time.monotonic() + 5
        while not shell.exited() and time.monotonic() < deadline:
            shell.read_some(0.1)
        self.assertTrue(shell.exited())
        self.assertEqual(os.waitstatus_to_exitcode(shell.status), 0)

    def test_ctrl_c_stops_a_running_query(self):
        # Many random words make fuzzy matching slow: the query below takes seconds here.
        rng = random.Random(7)
        letters = "abcdefghijklmnop"
        big = os.path.join(self.tmp, "big.jsonl")
        with open(big, "w") as f:
            for i in range(4000):
                words = ("".join(rng.choice(letters) for _ in range(6)) for _ in range(30))
                f.write(json.dumps({"id": "b%d" % i, "body": " ".join(words)}) + "\n")
        index = os.path.join(self.tmp, "big")
        subprocess.run([INDEX_BIN, "--quiet", "--index", index, big], check=True)
        shell = Shell(index, self.env)
        self.shells.append(shell)
        shell.expect_prompt()
        query = " ".join("%s%sxq~2" % (a, b) for a in letters for b in letters[:8])
        shell.type(query + "\r")
        shell.expect("phxq~2\n")  # the echo, wrapped by the terminal
        time.sleep(0.3)
        if re.search(r"\d+ match", shell.seen[shell.mark:]):
            self.skipTest("the slow query was not slow on this machine")
        started = time.monotonic()
        shell.type("\x03")
        out = shell.expect_prompt()
        if re.search(r"\d+ match", out):
            self.skipTest("the slow query ended before Ctrl-C reached it")
        self.assertIn("stopped (Ctrl-C)", out)
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertIn("0 matches", shell.line("zebra"))  # the shell goes on

    def test_completion(self):
        shell = self.start()
        shell.type(":sh\t1")  # :show
        shell.type("\r")
        out = shell.expect_prompt()
        self.assertIn("no query yet", out)
        out = shell.line("ti\tzebra")  # title:zebra
        self.assertIn("1 match", out)
        shell.type(":facet \t")  # several fields: listed under the line
        out = shell.expect("color  n  title  body|title  body  color  n")
        shell.type("\x03")
        shell.expect_prompt()

    def test_commit_by_another_process_is_noticed(self):
        index = os.path.join(self.tmp, "growing")
        shutil.copytree(self.index, index)
        shell = self.start(index=index)
        self.assertIn("25 matches", shell.line("common"))
        more = os.path.join(self.tmp, "more.jsonl")
        with open(more, "w") as f:
            f.write(corpus(26, 30))
        subprocess.run([INDEX_BIN, "--quiet", "--index", index, more], check=True)
        out = shell.line("common")
        self.assertIn("index changed", out)
        self.assertIn("30 documents, 25 before", out)
        self.assertIn("30 matches", out)

    def test_history_survives_a_restart(self):
        shell = self.start()
        shell.line("zebra")
        shell.type(":quit\r")
        history = os.path.join(self.home, "state", "trawl", "history")
        deadline = time.monotonic() + 5
        while not shell.exited() and time.monotonic() < deadline:
            shell.read_some(0.1)
        self.assertTrue(os.path.exists(history))
        shell = self.start()
        shell.type("\x1b[A\x1b[A")  # up twice: :quit, then zebra
        out = shell.line("")
        self.assertIn("1 match", out)

    def test_colour_only_without_no_color(self):
        env = dict(self.env)
        del env["NO_COLOR"]
        shell = Shell(self.index, env)
        self.shells.append(shell)
        raw = b""
        os.write(shell.fd, b"zebra\r")
        end = time.monotonic() + 5
        while b"match" not in raw and time.monotonic() < end:
            r, _, _ = select.select([shell.fd], [], [], 0.2)
            if r:
                raw += os.read(shell.fd, 65536)
        time.sleep(0.2)
        while select.select([shell.fd], [], [], 0.1)[0]:
            raw += os.read(shell.fd, 65536)
        self.assertIn(b"\x1b[1;33mzebra\x1b[0m", raw)


if __name__ == "__main__":
    INDEX_BIN, SEARCH_BIN = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
