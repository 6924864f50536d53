#!/usr/bin/env python3
"""End to end on the typed changelog corpus: scripts/changelog_corpus.py over this machine's
/usr/share/doc (and the fixtures of tests/fixtures/changelog), trawl-index --schema
scripts/changelog_schema.json, then trawl-search with filters, sorts, facets, collapse and
cursors, every answer checked against a scan of the JSONL in Python.

Run: tests/changelog_search_test.py TRAWL_INDEX TRAWL_SEARCH (ctest runs it as changelog_search).
"""

import collections
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONVERTER = os.path.join(ROOT, "scripts", "changelog_corpus.py")
SCHEMA = os.path.join(ROOT, "scripts", "changelog_schema.json")
FIXTURES = os.path.join(HERE, "fixtures", "changelog", "doc")
INDEX_BIN = SEARCH_BIN = None


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True, encoding="utf-8", check=False)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


class ChangelogSearchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="trawl_changelog_")
        corpus = os.path.join(cls.tmp.name, "changelog.jsonl")
        # The machine's changelogs when it has enough of them (every Debian machine with this
        # project's build dependencies does), else the fixtures alone.
        root = "/usr/share/doc"
        if not os.path.isdir(root) or len(os.listdir(root)) < 50:
            root = FIXTURES
        run(sys.executable, CONVERTER, "--out", corpus, root)
        with open(corpus, encoding="utf-8") as f:
            cls.docs = [json.loads(line) for line in f]
        cls.index = os.path.join(cls.tmp.name, "index")
        # Two threads and a small budget: several segments, as a real index has.
        run(INDEX_BIN, "--index", cls.index, "--schema", SCHEMA, "--threads", "2",
            "--memory-mb", "16", "--quiet", corpus)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def search(self, *args):
        return json.loads(run(SEARCH_BIN, "--index", self.index, "--json", *args))

    def test_schema_is_kept_and_printed(self):
        schema = json.loads(run(SEARCH_BIN, "--index", self.index, "--schema"))
        self.assertEqual(schema["fields"]["date"]["type"], "date")
        self.assertEqual(schema["fields"]["urgency"]["type"], "keyword")
        self.assertTrue(schema["fields"]["urgency"]["lowercase"])
        self.assertEqual(schema["fields"]["security"]["type"], "bool")

    def test_shell_prints_the_schema_and_facets(self):
        # The interactive shell, on a terminal (a pty), as a person would use it.
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(SEARCH_BIN, [SEARCH_BIN, "--index", self.index, "--facet", "urgency"])
        os.write(fd, b":schema\nsecurity:true\n:quit\n")
        out = b""
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, out)
        # What a person reads: the shell colours its output on a terminal.
        text = re.sub(r"\x1b\[[0-9;]*m", "", out.decode("utf-8", "replace"))
        self.assertIn('"urgency"', text)
        self.assertIn('"type": "keyword"', text)
        self.assertRegex(text, r"urgency:\s+\w+ \(\d+\)")

    def test_security_uploads_of_2022_newest_first_with_urgency_facets(self):
        want = [d for d in self.docs if d["security"] and d["date"].startswith("2022-")]
        out = self.search("--filter", "security:true", "--filter", "date:[2022-01-01 TO 2022-12-31]",
                          "--sort", "date:desc", "--sort", "binary", "--facet", "urgency:0",
                          "--facet", "maintainer:5", "--fields", "date,binary,urgency",
                          "--top", "1000", "*")
        self.assertEqual(out["total"], len(want))
        keys = [(h["fields"]["date"], h["fields"]["binary"]) for h in out["hits"]]
        # Dates are RFC 3339 strings of one length: text order is time order.
        want_keys = sorted(sorted((d["date"], d["binary"]) for d in want),
                           key=lambda k: k[0], reverse=True)
        self.assertEqual(keys, want_keys[:1000])
        urgencies = collections.Counter(d["urgency"] for d in want)
        self.assertEqual({f["value"]: f["count"] for f in out["facets"]["urgency"]}, urgencies)
        counts = [f["count"] for f in out["facets"]["urgency"]]
        self.assertEqual(counts, sorted(counts, reverse=True))
        maintainers = collections.Counter(d["maintainer"] for d in want)
        top = sorted(maintainers.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        self.assertEqual([(f["value"], f["count"]) for f in out["facets"]["maintainer"]], top)

    def test_text_with_a_year_range_counts_exactly(self):
        def has(d, word):
            return word in (d["title"] + " " + d["body"]).lower()
        for word in ("overflow", "crash"):
            want = sum(1 for d in self.docs if 2015 <= d["year"] <= 2020 and has(d, word))
            got = self.search("--count", "--filter", "year:[2015 TO 2020]", word)
            # Stemming finds inflections a substring scan may miss, never fewer.
            self.assertGreaterEqual(got["total"], want)
            plain = self.search("--count", "+%s +year:>=2015 +year:<=2020" % word)
            self.assertEqual(got["total"], plain["total"])

    def test_collapse_keeps_one_hit_per_package(self):
        out = self.search("--collapse", "package", "--top", "100000", "--fields", "package",
                          "security")
        packages = [h["fields"]["package"] for h in out["hits"]]
        self.assertEqual(len(packages), len(set(packages)))
        matches = self.search("--count", "security")["total"]
        self.assertEqual(sum(1 + h.get("collapsed", 0) for h in out["hits"]), matches)

    def test_cursors_page_through_every_match_once(self):
        seen = []
        args = ["--filter", "urgency:high", "--sort", "year:desc", "--top", "97", "--fields",
                "year"]
        out = self.search(*args, "*")
        while True:
            seen.extend((h["id"], h["fields"]["year"]) for h in out["hits"])
            if "next" not in out:
                break
            out = self.search(*args, "--after", out["next"], "*")
        want = [d for d in self.docs if d["urgency"] == "high"]
        self.assertEqual(sorted(i for i, _ in seen), sorted(d["id"] for d in want))
        years = [y for _, y in seen]
        self.assertEqual(years, sorted(years, reverse=True))

    def test_year_range_facets(self):
        out = self.search("--facet-range", "date:year", "--facet-range", "year:10", "--top", "0",
                          "*")
        by_year = collections.Counter(d["date"][:4] for d in self.docs)
        self.assertEqual({f["value"][:4]: f["count"] for f in out["facets"]["date"]}, by_year)
        by_decade = collections.Counter(d["year"] // 10 * 10 for d in self.docs)
        self.assertEqual({f["value"]: f["count"] for f in out["facets"]["year"]}, by_decade)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    INDEX_BIN, SEARCH_BIN = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1] + sys.argv[3:])
