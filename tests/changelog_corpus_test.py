#!/usr/bin/env python3
"""Tests of scripts/changelog_corpus.py on the hand-written changelogs of
tests/fixtures/changelog/doc (see the README there for what each one exercises).
Run: python3 tests/changelog_corpus_test.py (ctest runs it as changelog_corpus)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(ROOT, "scripts", "changelog_corpus.py")
DOC = os.path.join(HERE, "fixtures", "changelog", "doc")
SCHEMA_TYPES = {"text", "keyword", "int", "float", "date", "bool", "stored"}


def run(*args):
    p = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                       encoding="utf-8", check=False)
    return p.returncode, p.stdout, p.stderr


class ChangelogCorpusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rc, out, cls.err = run(DOC)
        cls.docs = [json.loads(line) for line in out.splitlines()]
        cls.by_id = {d["id"]: d for d in cls.docs}

    def test_summary_and_exit_status(self):
        self.assertEqual(self.rc, 0, self.err)
        self.assertIn("files 3, entries 7, skipped 3, distinct (package, version) 5, "
                      "repeated versions renamed 1,", self.err.splitlines()[-1])

    def test_every_skip_is_reported_with_file_and_line(self):
        problems = self.err.splitlines()[:-1]
        hello = os.path.join(DOC, "hello", "changelog.Debian.gz")
        hello_doc = os.path.join(DOC, "hello-doc", "changelog.Debian.gz")
        self.assertEqual(len(problems), 3, problems)
        self.assertTrue(any(p.startswith(f"{hello}:17: entry hello (2.10-2): bad date 'Someday in 2022'")
                            for p in problems), problems)
        self.assertIn(f"{hello}:23: entry hello (2.10-1) has no trailer line", problems)
        self.assertIn(f"{hello_doc}:13: not an entry header: 'this is not a header'", problems)

    def test_ids(self):
        self.assertEqual(sorted(self.by_id), sorted([
            "hello/2.10-3+deb12u1", "hello/2.10-3", "hello/2.9-1",
            "hello-doc/2.10-3", "hello-doc/2.10-3#2", "hello-doc/1.0-1", "tiny/0.1-1"]))

    def test_security_upload(self):
        d = self.by_id["hello/2.10-3+deb12u1"]
        self.assertEqual(d["package"], "hello")
        self.assertEqual(d["binary"], "hello")
        self.assertEqual(d["version"], "2.10-3+deb12u1")
        self.assertEqual(d["distribution"], ["bookworm-security"])
        self.assertEqual(d["urgency"], "high")
        self.assertEqual(d["maintainer"], "Jane Doe")
        self.assertEqual(d["maintainer_email"], "jane@example.org")
        self.assertEqual(d["date"], "2023-05-03T03:30:00Z")  # 23:30 -0400 is the next day in UTC
        self.assertEqual(d["year"], 2023)
        self.assertIs(d["security"], True)
        self.assertEqual(d["cves"], ["CVE-2023-1234", "CVE-2022-99999"])  # deduplicated, upper case
        self.assertEqual(d["title"], "hello 2.10-3+deb12u1")
        self.assertEqual(d["body"], "* Fix a buffer overflow in the greeting (CVE-2023-1234, "
                         "cve-2023-1234).\n* Also fixes CVE-2022-99999.")

    def test_options_zones_and_paragraphs(self):
        d = self.by_id["hello/2.10-3"]
        self.assertEqual(d["distribution"], ["unstable", "experimental"])
        self.assertEqual(d["urgency"], "medium")  # "MEDIUM (fixes RC bug)", then another option
        self.assertEqual(d["maintainer"], "Jöhn Smith")
        self.assertEqual(d["date"], "2022-12-31T23:30:00Z")  # +0100 crosses the year boundary
        self.assertEqual(d["year"], 2022)
        self.assertIs(d["security"], False)
        self.assertEqual(d["cves"], [])
        self.assertEqual(d["body"], "* First change.\n\n* Second paragraph\n  continued.")

    def test_latin1_gmt_and_unknown_zone(self):
        self.assertEqual(self.by_id["hello/2.9-1"]["maintainer"], "François Latin")
        self.assertEqual(self.by_id["hello-doc/1.0-1"]["date"], "1999-01-01T00:00:00Z")
        self.assertEqual(self.by_id["tiny/0.1-1"]["date"], "2012-02-29T23:59:59Z")

    def test_same_source_under_two_binaries(self):
        a, b = self.by_id["hello/2.10-3"], self.by_id["hello-doc/2.10-3"]
        self.assertEqual((a["package"], a["version"]), (b["package"], b["version"]))
        self.assertEqual(b["binary"], "hello-doc")
        self.assertEqual(self.by_id["hello-doc/2.10-3#2"]["body"], "* A repeated version.")

    def test_schema_declares_every_field(self):
        with tempfile.TemporaryDirectory() as tmp:
            schema_path = os.path.join(tmp, "schema.json")
            out_path = os.path.join(tmp, "corpus.jsonl")
            rc, out, err = run("--out", out_path, "--schema-out", schema_path, DOC)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, "")
            with open(out_path, encoding="utf-8") as f:
                self.assertEqual(len(f.readlines()), 7)
            with open(schema_path, encoding="utf-8") as f:
                schema = json.load(f)
        with open(os.path.join(ROOT, "scripts", "changelog_schema.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), schema, "scripts/changelog_schema.json is out of date")
        fields = schema["fields"]
        for name, spec in fields.items():
            self.assertIn(spec["type"], SCHEMA_TYPES, name)
        self.assertEqual(fields["date"]["type"], "date")
        self.assertEqual(fields["year"]["type"], "int")
        self.assertEqual(fields["security"]["type"], "bool")
        self.assertEqual(fields["urgency"], {"type": "keyword", "lowercase": True})
        for name in ("title", "body"):
            self.assertEqual(fields[name]["type"], "text")
        for d in self.docs:
            self.assertEqual(set(d) - {"id"}, set(fields))

    def test_strict_fails_on_skips(self):
        rc, _, _ = run("--strict", "--out", os.devnull, DOC)
        self.assertEqual(rc, 1)

    def test_empty_root(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, out, err = run(tmp)
        self.assertEqual((rc, out), (0, ""))
        self.assertIn("files 0, entries 0, skipped 0", err)


if __name__ == "__main__":
    unittest.main()
