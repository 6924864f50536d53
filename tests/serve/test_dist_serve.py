#!/usr/bin/python3
"""A search over shards on several machines, on one: three leaves (trawl-serve --index PART)
and a root (trawl-serve --shards FILE) on free loopback ports, checked against one trawl-serve
over one index of the same documents; then leaves that are down or slow.

  test_dist_serve.py TRAWL_SERVE TRAWL_INDEX
"""
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

SERVE = INDEX = None
PARTS = 3


class Server:
    """One trawl-serve process; its port is read from the first line it prints."""

    def __init__(self, *args):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([SERVE, "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on 127.0.0.1:"):
            self.proc.kill()
            self.log.seek(0)
            raise AssertionError("first line %r, stderr %r" % (line, self.log.read()))
        self.port = int(line.rsplit(":", 1)[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, params=None):
        if params is not None:
            path += "?" + urllib.parse.urlencode(params, doseq=True)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            if body is not None:
                body = json.dumps(body)
            conn.request(method, path, body=body)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, json.loads(data) if data else None
        finally:
            conn.close()

    def search(self, **params):
        return self.request("GET", "/search", params=params)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
        self.proc.communicate(timeout=30)
        self.log.seek(0)
        err = self.log.read()
        self.log.close()
        if "Sanitizer" in err or "runtime error:" in err:
            raise AssertionError("trawl-serve reported:\n" + err[-5000:])


def part_of(doc_id, parts):
    """trawl::PartOfId: FNV-1a-64 of the id's UTF-8 bytes, mod parts."""
    h = 0xcbf29ce484222325
    for b in doc_id.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h % parts


def make_docs():
    """Documents whose vocabulary depends on their part: a word common in one shard is rare in
    another, so per-shard statistics would rank otherwise than the union's."""
    rng = random.Random(16)
    own = [["alpha", "beta", "gamma"], ["rare0", "rare1", "beta"], ["delta", "rare1", "omega"]]
    docs = []
    for i in range(1200):
        doc_id = "doc%d" % i
        part = part_of(doc_id, PARTS)
        share = [5, 50, 25][part]
        def word():
            if rng.randrange(100) < share:
                return rng.choice(own[part])
            return "w%d" % min(rng.randrange(30), rng.randrange(30))
        length = rng.randint(*[(20, 50), (2, 6), (5, 20)][part])
        docs.append({"id": doc_id, "title": word() + " " + word(),
                     "body": " ".join(word() for _ in range(length)),
                     "tag": "t%d" % rng.randrange(6), "year": 1990 + rng.randrange(30)})
    return docs


SCHEMA = {"fields": {"title": {"type": "text"}, "body": {"type": "text"},
                     "tag": {"type": "keyword"}, "year": {"type": "int"}}}


def write_schema(directory):
    path = os.path.join(directory, "schema.json")
    with open(path, "w") as f:
        json.dump(SCHEMA, f)
    return path


QUERIES = [
    "w1", "w3 w7", "rare1 w2", "rare0 rare1 w0 alpha", '"w1 w2"', '"rare1 w0"~3', "+w1 -w4",
    "title:w2 body:rare1", "rare*", "beta gamma", "w0 AND (w5 OR rare2)", "w25 w28 w29",
    "rar1~1 delta", "omega~1", "nothingatall", "body:=w1 title:=rare1", "+tag:=t1 body:=w3",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DistributedServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="trawl-dist-serve-test-")
        docs = make_docs()
        # One index with the documents in shard order (ties fall to shard order, then index
        # order within a shard, as in one index holding the shards' documents one after another).
        ordered = sorted(docs, key=lambda d: part_of(d["id"], PARTS))
        for name, rows in (("all.jsonl", docs), ("ordered.jsonl", ordered)):
            with open(os.path.join(cls.tmp, name), "w") as f:
                f.writelines(json.dumps(d) + "\n" for d in rows)
        schema = write_schema(cls.tmp)
        run = lambda *args: subprocess.run([INDEX, "--quiet", "--threads", "1", "--schema", schema,
                                            *args], check=True)
        run("--index", os.path.join(cls.tmp, "one"), os.path.join(cls.tmp, "ordered.jsonl"))
        os.makedirs(os.path.join(cls.tmp, "parts"))
        for i in range(PARTS):
            run("--index", os.path.join(cls.tmp, "parts", "part-%d" % i), "--part",
                "%d/%d" % (i, PARTS), os.path.join(cls.tmp, "all.jsonl"))
        cls.one = Server("--index", os.path.join(cls.tmp, "one"))
        cls.leaves = [Server("--index", os.path.join(cls.tmp, "parts", "part-%d" % i))
                      for i in range(PARTS)]
        cls.shards_file = os.path.join(cls.tmp, "shards.json")
        with open(cls.shards_file, "w") as f:
            json.dump({"version": 1, "shards": [{"name": "part-%d" % i, "leaves": [leaf.url]}
                                                for i, leaf in enumerate(cls.leaves)]}, f)
        cls.root = Server("--shards", cls.shards_file)

    @classmethod
    def tearDownClass(cls):
        for server in [cls.root, cls.one, *cls.leaves]:
            server.stop()
        shutil.rmtree(cls.tmp)

    def assertSameAnswer(self, got, want, context):
        self.assertEqual(got["total"], want["total"], context)
        self.assertEqual(got["query"], want["query"], context)
        self.assertNotIn("partial", got, context)
        self.assertEqual(len(got["hits"]), len(want["hits"]), context)
        for i, (g, w) in enumerate(zip(got["hits"], want["hits"])):
            where = "%s, hit %d" % (context, i)
            self.assertEqual(g["id"], w["id"], where)
            self.assertAlmostEqual(g["score"], w["score"], delta=1e-9, msg=where)
            self.assertEqual(g["title"], w["title"], where)
            self.assertEqual(g["snippet"], w["snippet"], where)
            self.assertEqual(g.get("explanation"), w.get("explanation"), where)
            self.assertEqual(g.get("fields"), w.get("fields"), where)
        # The same keys in the same order, but for the cursor (a root pages by offset only).
        self.assertEqual([k for k in got if k != "took_us"],
                         [k for k in want if k not in ("took_us", "next")])

    def test_searches_answer_as_one_index(self):
        variants = [
            {"top": "10"},
            {"top": "7", "offset": "5"},
            {"top": "40", "explain": "true"},
            {"top": "10", "bm25f": "true", "field-weight": "title=2"},
            {"top": "10", "plain": "true", "proximity": "true"},
            {"top": "15", "filter": ["tag:t1 OR tag:t2"], "fields": "*"},
            {"count": "true"},
            {"top": "5", "facet": "tag:3", "facet-range": "year:5"},
            {"top": "5", "facet": "tag"},
        ]
        for q in QUERIES:
            for params in variants:
                context = "q=%r %r" % (q, params)
                status, want = self.one.search(q=q, **params)
                self.assertEqual(status, 200, (context, want))
                status, got = self.root.search(q=q, **params)
                self.assertEqual(status, 200, (context, got))
                if params.get("count"):
                    self.assertEqual(got["total"], want["total"], context)
                    self.assertNotIn("hits", got)
                    continue
                self.assertSameAnswer(got, want, context)
                self.assertEqual(got.get("facets"), want.get("facets"), context)
                if "facet" in params and want["total"]:
                    self.assertIn("tag", got["facets"], context)

    def test_structured_post_and_count(self):
        body = {"query": {"bool": {"must": [{"match": {"field": "", "text": "w1 rare1"}}],
                                   "must_not": [{"term": {"field": "tag", "value": "t3"}}],
                                   "should": [{"fuzzy": {"field": "body", "value": "delta",
                                                         "max_edits": 1}},
                                              {"indexed_term": {"field": "body", "term": "w2"}}]}},
                "top": 20}
        status, want = self.one.request("POST", "/search", body)
        self.assertEqual(status, 200, want)
        status, got = self.root.request("POST", "/search", body)
        self.assertEqual(status, 200, got)
        self.assertSameAnswer(got, want, "structured")
        for q in ["w1", "rare*", '"w1 w2"']:
            self.assertEqual(self.root.request("GET", "/count", params={"q": q}),
                             self.one.request("GET", "/count", params={"q": q}))
        for params in [{"field": "body", "text": "Deltas W1"}, {"text": "rare1"},
                       {"field": "year", "text": "1"}]:
            self.assertEqual(self.root.request("GET", "/analyze", params=params),
                             self.one.request("GET", "/analyze", params=params))
        status, doc = self.root.request("GET", "/documents", params={"id": "doc17"})
        self.assertEqual((status, doc), self.one.request("GET", "/documents", params={"id": "doc17"}))
        status, _ = self.root.request("GET", "/documents", params={"id": "nowhere"})
        self.assertEqual(status, 404)
        status, stats = self.root.request("GET", "/stats")
        self.assertEqual(status, 200)
        self.assertEqual(stats["documents"], 1200)
        self.assertEqual([s["name"] for s in stats["shards"]], ["part-0", "part-1", "part-2"])

    def test_what_a_root_refuses(self):
        for params in [{"sort": "year"}, {"collapse": "tag"}, {"after": "x"}]:
            status, body = self.root.search(q="w1", **params)
            self.assertEqual(status, 400, (params, body))
            self.assertIn("not supported by a root over shards", body["error"])
        status, body = self.root.search(q="w1", top="1000", offset="1")
        self.assertEqual(status, 400, body)
        status, body = self.root.request("POST", "/documents", {"id": "x"})
        self.assertEqual(status, 400, body)
        # A query error comes from the leaves as they say it.
        status, body = self.root.search(q='"unclosed')
        self.assertEqual(status, 400, body)
        self.assertEqual(body, self.one.search(q='"unclosed')[1])

    def test_leaf_endpoints(self):
        leaf = self.leaves[0]
        status, stats = leaf.request("POST", "/_stats", {"q": "w1 beta"})
        self.assertEqual(status, 200, stats)
        self.assertIn("generation", stats)
        terms = stats["statistics"]["terms"]
        self.assertGreater(terms["body"]["w1"], 0)
        names = [f["name"] for f in stats["statistics"]["fields"]]
        self.assertIn("body", names)
        status, hits = leaf.request("POST", "/_query", {"q": "w1", "top": 3,
                                                        "statistics": stats["statistics"]})
        self.assertEqual(status, 200, hits)
        self.assertEqual(len(hits["hits"]), 3)
        self.assertEqual(sorted(hits["hits"][0]), ["docid", "score", "segment"])
        status, fetched = leaf.request("POST", "/_fetch", {
            "q": "w1", "statistics": stats["statistics"], "hits": hits["hits"],
            "generation": hits["generation"]})
        self.assertEqual(status, 200, fetched)
        self.assertEqual(len(fetched["hits"]), 3)
        self.assertIn("<b>w1</b>", json.dumps(fetched["hits"]))
        status, body = leaf.request("POST", "/_fetch", {
            "q": "w1", "hits": hits["hits"], "generation": hits["generation"] + 1})
        self.assertEqual(status, 409, body)
        status, body = leaf.request("POST", "/_query", {"q": "w1", "statistics": {"fields": 3}})
        self.assertEqual(status, 400, body)


class LeafFailureTest(unittest.TestCase):
    """Leaves that are down or stopped, and replicas that stand in for them."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="trawl-dist-fail-test-")
        with open(os.path.join(cls.tmp, "docs.jsonl"), "w") as f:
            for d in make_docs()[:300]:
                f.write(json.dumps(d) + "\n")
        schema = write_schema(cls.tmp)
        for i in range(PARTS):
            subprocess.run([INDEX, "--quiet", "--schema", schema,
                            "--index", os.path.join(cls.tmp, "part-%d" % i),
                            "--part", "%d/%d" % (i, PARTS), os.path.join(cls.tmp, "docs.jsonl")],
                           check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def start(self, leaves_of):
        leaves = [Server("--index", os.path.join(self.tmp, "part-%d" % i)) for i in range(PARTS)]
        path = os.path.join(self.tmp, "shards.json")
        with open(path, "w") as f:
            json.dump({"version": 1, "shards": [{"name": "part-%d" % i,
                                                 "leaves": leaves_of(i, leaves[i].url)}
                                                for i in range(PARTS)]}, f)
        root = Server("--shards", path)
        return root, leaves

    def test_a_dead_leaf_gives_a_partial_answer_or_an_error(self):
        root, leaves = self.start(lambda i, url: [url])
        try:
            status, full = root.search(q="w1", top="100")
            self.assertEqual(status, 200, full)
            leaves[1].proc.kill()
            leaves[1].proc.wait()
            status, body = root.search(q="w1", top="100")
            self.assertEqual(status, 502, body)
            self.assertEqual(body["missing_shards"], ["part-1"])
            self.assertIn("part-1", body["error"])
            status, part = root.search(q="w1", top="100", partial="true")
            self.assertEqual(status, 200, part)
            self.assertTrue(part["partial"])
            self.assertEqual(part["missing_shards"], ["part-1"])
            lost = {h["id"] for h in full["hits"]} - {h["id"] for h in part["hits"]}
            self.assertTrue(lost)
            self.assertTrue(all(part_of(i, PARTS) == 1 for i in lost), lost)
            self.assertLess(part["total"], full["total"])
        finally:
            for server in [root, *leaves]:
                server.stop()

    def test_a_stopped_leaf_times_out(self):
        root, leaves = self.start(lambda i, url: [url])
        try:
            leaves[2].proc.send_signal(signal.SIGSTOP)
            start = time.monotonic()
            status, body = root.search(q="w1", timeout_ms="300")
            self.assertEqual(status, 504, body)
            self.assertEqual(body["missing_shards"], ["part-2"])
            status, body = root.search(q="w1", timeout_ms="300", partial="true")
            self.assertEqual(status, 200, body)
            self.assertEqual(body["missing_shards"], ["part-2"])
            self.assertLess(time.monotonic() - start, 5)
        finally:
            for server in [root, *leaves]:
                server.stop()

    def test_replicas_stand_in_for_a_dead_leaf(self):
        dead = "http://127.0.0.1:%d" % free_port()
        root, leaves = self.start(lambda i, url: [dead, url] if i == 0 else [url])
        try:
            status, body = root.search(q="w1 rare1", top="50")
            self.assertEqual(status, 200, body)
            self.assertNotIn("partial", body)
            self.assertTrue(any(part_of(h["id"], PARTS) == 0 for h in body["hits"]))
        finally:
            for server in [root, *leaves]:
                server.stop()


def main():
    global SERVE, INDEX
    SERVE, INDEX = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]], verbosity=2)


if __name__ == "__main__":
    main()
