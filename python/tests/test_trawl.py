"""Tests of the Python module trawl, as a Python program uses it.

Run by ctest (python_bindings) with PYTHONPATH=build/python, or by hand:
    PYTHONPATH=build/python /usr/bin/python3 -m unittest -v python/tests/test_trawl.py
"""
import datetime
import json
import math
import os
import sys
import tempfile
import threading
import time
import unittest

import trawl

UTC = datetime.timezone.utc
SCHEMA = {"fields": {"tag": {"type": "keyword"}, "year": {"type": "int"}}}
DOCS = [
    {"id": "rfc-8259", "title": "The JSON data interchange syntax", "year": 2017,
     "tag": ["standard", "json"], "rating": 4.5, "open": True,
     "published": datetime.datetime(2017, 12, 1, tzinfo=UTC),
     "body": "JSON is a lightweight text format for data interchange"},
    {"id": "rfc-8878", "title": "Zstandard compression", "year": 2021,
     "tag": ["standard", "compression"], "rating": 4.0, "open": True,
     "published": datetime.date(2021, 2, 1),
     "body": "Zstandard is a lossless compression format for data"},
    {"id": "roaring-2016", "title": "Better bitmap performance with Roaring bitmaps",
     "year": 2016, "tag": ["bitmap", "paper"], "rating": 5.0, "open": False,
     "published": datetime.datetime(2016, 4, 1, 12, 30),
     "body": "Roaring bitmaps compress sets of integers for fast data analytics"},
    {"id": "roaring-2018", "title": "Roaring bitmaps: an optimized software library",
     "year": 2018, "tag": ["bitmap", "paper", "library"], "rating": 4.5, "open": True,
     "published": datetime.datetime(2018, 1, 1, 1, 0, tzinfo=datetime.timezone(
         datetime.timedelta(hours=2))),
     "body": "CRoaring is a library of compressed bitmaps for data"},
    {"id": 42, "title": "The answer", "year": 1979, "tag": "fiction", "rating": 3,
     "open": False, "published": None, "body": "nothing to do with data or bitmaps"},
]


class IndexTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self._tmp.name, "index")

    def tearDown(self):
        self._tmp.cleanup()

    def build(self, docs=DOCS, schema=SCHEMA):
        with trawl.IndexWriter(self.path, schema=schema) as writer:
            for doc in docs:
                writer.add(doc)
        return trawl.Searcher(self.path)


class IndexAndSearch(IndexTestCase):
    def test_version(self):
        self.assertRegex(trawl.__version__, r"^\d+\.\d+\.\d+$")

    def test_search_returns_hits_with_stored_fields(self):
        searcher = self.build()
        results = searcher.search("roaring", fields="*")
        self.assertEqual(results.total, 2)
        self.assertEqual(len(results), 2)
        self.assertEqual({h.id for h in results}, {"roaring-2016", "roaring-2018"})
        hit = results.hits[0]
        self.assertGreater(hit.score, 0)
        self.assertIn("<b>", hit.snippet)
        self.assertIn("Roaring", hit.title)
        self.assertIsInstance(hit.fields["year"], int)
        self.assertIsInstance(hit.fields["rating"], float)
        self.assertIsInstance(hit.fields["open"], bool)
        self.assertIsInstance(hit.fields["published"], datetime.datetime)
        self.assertIsInstance(hit.fields["tag"], list)
        self.assertIsNone(results.next)
        self.assertIn("roaring", repr(hit))

    def test_fields_names_only_what_is_asked(self):
        searcher = self.build()
        hit = searcher.search("zstandard", fields="year, tag").hits[0]
        self.assertEqual(hit.fields, {"year": 2021, "tag": ["standard", "compression"]})
        hit = searcher.search("zstandard", fields=["rating"]).hits[0]
        self.assertEqual(hit.fields, {"rating": 4.0})
        self.assertEqual(searcher.search("zstandard").hits[0].fields, {})

    def test_get_returns_the_stored_document_typed(self):
        searcher = self.build()
        doc = searcher.get("roaring-2018")
        self.assertEqual(doc["id"], "roaring-2018")
        self.assertEqual(doc["tag"], ["bitmap", "paper", "library"])
        self.assertEqual(doc["year"], 2018)
        self.assertEqual(doc["rating"], 4.5)
        self.assertIs(doc["open"], True)
        # 01:00 at +02:00 is 23:00 UTC the day before; dates come back aware, in UTC.
        self.assertEqual(doc["published"], datetime.datetime(2017, 12, 31, 23, 0, tzinfo=UTC))
        # A naive datetime and a date are UTC.
        self.assertEqual(searcher.get("roaring-2016")["published"],
                         datetime.datetime(2016, 4, 1, 12, 30, tzinfo=UTC))
        self.assertEqual(searcher.get("rfc-8878")["published"],
                         datetime.datetime(2021, 2, 1, tzinfo=UTC))
        # An int id is its digits; None is no field; an int in a float field is a float.
        doc = searcher.get(42)
        self.assertEqual(doc["id"], "42")
        self.assertNotIn("published", doc)
        self.assertEqual(doc["rating"], 3.0)
        self.assertIsInstance(doc["rating"], float)
        self.assertIsNone(searcher.get("no-such-id"))

    def test_nested_dicts_are_dotted_fields(self):
        searcher = self.build(docs=[{"id": "n", "meta": {"author": "Ann", "pages": 3}}],
                              schema=None)
        self.assertEqual(searcher.get("n"), {"id": "n", "meta.author": "Ann", "meta.pages": 3})
        self.assertEqual(searcher.count("meta.author:ann"), 1)

    def test_filter_sort_and_offset(self):
        searcher = self.build()
        results = searcher.search("data", filter="year:>=2017", sort="year:desc", fields="year")
        self.assertEqual([h.id for h in results], ["rfc-8878", "roaring-2018", "rfc-8259"])
        results = searcher.search("data", filter=["year:>=2017", "tag:standard"], sort="year")
        self.assertEqual([h.id for h in results], ["rfc-8259", "rfc-8878"])
        results = searcher.search("data", sort=["open:desc", "year:asc"], top=2, offset=1)
        self.assertEqual([h.id for h in results], ["roaring-2018", "rfc-8878"])
        self.assertEqual(results.total, 5)

    def test_after_pages_through_every_hit_once(self):
        searcher = self.build()
        everything = [h.id for h in searcher.search("data", sort="year:desc", top=100)]
        self.assertEqual(len(everything), 5)
        seen, cursor = [], None
        while True:
            page = searcher.search("data", sort="year:desc", top=2, after=cursor)
            seen += [h.id for h in page]
            cursor = page.next
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
        self.assertEqual(seen, everything)

    def test_facets(self):
        searcher = self.build()
        results = searcher.search("data", top=0, facet=["tag:2", "open"],
                                  facet_range=["year:10", "published:year"])
        self.assertEqual(results.hits, [])
        self.assertEqual(results.facets["tag"], [("bitmap", 2), ("paper", 2)])
        self.assertEqual(results.facets["open"], [(True, 3), (False, 2)])
        self.assertEqual(results.facets["year"], [(1970, 1), (2010, 3), (2020, 1)])
        self.assertEqual(results.facets["published"][0],
                         (datetime.datetime(2016, 1, 1, tzinfo=UTC), 1))
        self.assertEqual(sum(c for _, c in results.facets["published"]), 4)

    def test_count(self):
        searcher = self.build()
        self.assertEqual(searcher.count("data"), 5)
        self.assertEqual(searcher.count("roaring AND bitmaps"), 2)
        self.assertEqual(searcher.count("data", filter="tag:paper"), 2)
        self.assertEqual(searcher.count("roaring (", plain=True), 2)
        self.assertEqual(searcher.count("nothingmatches"), 0)
        self.assertEqual(searcher.num_docs, 5)

    def test_analyze_gives_the_terms_indexed_terms_search(self):
        searcher = self.build()
        self.assertEqual(searcher.analyze("body", "Compressed Bitmaps!"), ["compress", "bitmap"])
        self.assertEqual(searcher.analyze("", "Roaring"), ["roar"])
        self.assertEqual(searcher.analyze("tag", "Paper"), ["Paper"])  # a keyword, not lowered
        for term in searcher.analyze("body", "compressed bitmaps"):
            self.assertEqual(searcher.count("body:=%s" % term), searcher.count("body:" + term))
        self.assertEqual(searcher.count('+body:="compress" +body:=bitmap'), 2)
        self.assertEqual(searcher.count("body:=compressed"), 0)  # not analyzed
        with self.assertRaisesRegex(ValueError, "field 'year' is int"):
            searcher.analyze("year", "2016")

    def test_timeout(self):
        searcher = self.build()
        # A generous budget changes nothing; a negative one is refused.
        self.assertEqual(searcher.count("data", timeout_ms=60000), 5)
        self.assertEqual(
            [h.id for h in searcher.search("data", timeout_ms=60000)],
            [h.id for h in searcher.search("data")],
        )
        with self.assertRaises(trawl.InvalidArgumentError):
            searcher.search("data", timeout_ms=-1)

    def test_store_compression(self):
        # Smaller blocks at a higher level: the same answers; out of range: refused.
        with trawl.IndexWriter(self.path, schema=SCHEMA, store_block_bytes=1024,
                               store_level=9, store_large_level=1) as writer:
            for doc in DOCS:
                writer.add(doc)
        small = [(h.id, h.title, h.snippet) for h in trawl.Searcher(self.path).search("data")]
        other = os.path.join(self._tmp.name, "plain")
        with trawl.IndexWriter(other, schema=SCHEMA) as writer:
            for doc in DOCS:
                writer.add(doc)
        plain = [(h.id, h.title, h.snippet) for h in trawl.Searcher(other).search("data")]
        self.assertEqual(small, plain)
        for options in ({"store_block_bytes": 512}, {"store_level": 20},
                        {"store_large_level": 0}):
            with self.assertRaises(trawl.InvalidArgumentError):
                trawl.IndexWriter(os.path.join(self._tmp.name, "never"), **options)

    def test_scoring_options(self):
        searcher = self.build()
        hit = searcher.search("roaring bitmaps", explain=True).hits[0]
        self.assertIn("idf", hit.explanation.lower())
        plain = searcher.search("roaring bitmaps", plain=True)
        self.assertEqual(plain.total, searcher.search("roaring bitmaps").total)
        bm25f = searcher.search("roaring", bm25f=True, field_weight={"title": 3}, field_b="body=0.5")
        self.assertEqual(bm25f.total, 2)
        near = searcher.search("roaring bitmaps", proximity=True, proximity_window=3, k1=1.0, b=0.5)
        self.assertEqual(near.total, 3)
        hit = searcher.search("lossless", snippet_field="body").hits[0]
        self.assertIn("<b>lossless</b>", hit.snippet)

    def test_collapse(self):
        searcher = self.build(schema={"fields": {"tag": {"type": "keyword"},
                                                 "kind": {"type": "keyword"}}},
                              docs=[dict(d, kind="rfc" if str(d["id"]).startswith("rfc")
                                         else "other") for d in DOCS])
        results = searcher.search("data", collapse="kind")
        self.assertEqual(len(results), 2)
        self.assertEqual(sorted(h.collapsed for h in results), [1, 2])


class WriteUpdates(IndexTestCase):
    def test_delete_and_replace(self):
        searcher = self.build()
        with trawl.IndexWriter(self.path) as writer:
            self.assertTrue(writer.delete("rfc-8259"))
            self.assertFalse(writer.delete("no-such-id"))
            writer.add({"id": "rfc-8878", "title": "Zstandard, second edition", "year": 2024})
            self.assertEqual(writer.buffered_documents, 1)
        # A searcher sees the commit it was opened on until it is reopened.
        self.assertEqual(searcher.count("data"), 5)
        newer = searcher.reopen()
        self.assertIsNotNone(newer)
        self.assertIsNone(newer.reopen())
        self.assertGreater(newer.generation, searcher.generation)
        self.assertEqual(newer.num_docs, 4)
        self.assertIsNone(newer.get("rfc-8259"))
        self.assertEqual(newer.get("rfc-8878")["title"], "Zstandard, second edition")
        self.assertEqual(newer.count("lossless"), 0)

    def test_context_manager_commits_on_success_and_discards_on_error(self):
        self.build(docs=DOCS[:2])
        with self.assertRaises(RuntimeError):
            with trawl.IndexWriter(self.path) as writer:
                writer.add({"id": "lost", "title": "never committed"})
                raise RuntimeError("stop")
        with trawl.Searcher(self.path) as searcher:
            self.assertEqual(searcher.num_docs, 2)
            self.assertIsNone(searcher.get("lost"))
        # The lock was released both times: a new writer opens.
        writer = trawl.IndexWriter(self.path)
        writer.add({"id": "kept", "title": "committed"})
        writer.commit()
        self.assertEqual(writer.committed_documents, 3)
        writer.close()
        writer.close()  # harmless
        with self.assertRaisesRegex(trawl.Error, "closed"):
            writer.add({"id": "late"})
        self.assertEqual(trawl.Searcher(self.path).num_docs, 3)

    def test_closed_searcher(self):
        searcher = self.build()
        searcher.close()
        with self.assertRaisesRegex(trawl.Error, "closed"):
            searcher.search("data")

    def test_optimize(self):
        self.build(docs=DOCS[:2])
        self.build(docs=DOCS[2:])
        with trawl.IndexWriter(self.path) as writer:
            writer.optimize()
        self.assertEqual(trawl.Searcher(self.path).count("data"), 5)


class Errors(IndexTestCase):
    def test_syntax_error_names_the_column(self):
        searcher = self.build()
        with self.assertRaises(trawl.InvalidArgumentError) as caught:
            searcher.search("roaring AND (bitmaps")
        self.assertIsInstance(caught.exception, trawl.Error)
        self.assertIsInstance(caught.exception, ValueError)
        self.assertIn("column", str(caught.exception))
        with self.assertRaisesRegex(trawl.InvalidArgumentError, "column"):
            searcher.count('"unclosed')

    def test_missing_index(self):
        with self.assertRaises(trawl.NotFoundError) as caught:
            trawl.Searcher(os.path.join(self._tmp.name, "nothing-here"))
        self.assertIsInstance(caught.exception, trawl.Error)
        self.assertIn("nothing-here", str(caught.exception))

    def test_second_writer_is_busy(self):
        with trawl.IndexWriter(self.path):
            with self.assertRaises(trawl.BusyError):
                trawl.IndexWriter(self.path)

    def test_schema_mismatch(self):
        self.build()
        with self.assertRaisesRegex(trawl.InvalidArgumentError, "year"):
            trawl.IndexWriter(self.path, schema='{"fields": {"year": {"type": "keyword"}}}')
        with trawl.IndexWriter(self.path) as writer:
            with self.assertRaisesRegex(trawl.InvalidArgumentError, "year"):
                writer.add({"id": "x", "year": "last year"})
            with self.assertRaisesRegex(trawl.InvalidArgumentError, "colour"):
                trawl.IndexWriter(os.path.join(self._tmp.name, "other"),
                                  schema={"fields": {"colour": {"type": "purple"}}})
        with self.assertRaises(TypeError):
            trawl.IndexWriter(self.path, schema=["not", "a", "schema"])

    def test_bad_documents(self):
        with trawl.IndexWriter(self.path) as writer:
            cases = [
                ({"title": "no id"}, trawl.InvalidArgumentError, "id"),
                ({"id": ""}, trawl.InvalidArgumentError, "empty"),
                ({"id": 1.5}, TypeError, "id"),
                ({"id": "x", "blob": b"bytes"}, TypeError, "blob"),
                ({"id": "x", "n": 2 ** 64}, trawl.InvalidArgumentError, "64-bit"),
                ({"id": "x", "f": math.nan}, trawl.InvalidArgumentError, "finite"),
                ({"id": "x", "mix": [1, "a"]}, trawl.InvalidArgumentError, "mix"),
                ({"id": "x", "deep": [[1]]}, TypeError, "deep"),
                ({"id": "x", 7: "key"}, TypeError, "str"),
                ({"id": "x", "bad name": 1}, trawl.InvalidArgumentError, "bad name"),
            ]
            for doc, error, text in cases:
                with self.subTest(doc=doc):
                    with self.assertRaisesRegex(error, text):
                        writer.add(doc)
            with self.assertRaises(TypeError):
                writer.add(["not", "a", "dict"])
            writer.add({"id": "fine", "n": [1, 2.5], "t": ("a", "b")})
        doc = trawl.Searcher(self.path).get("fine")
        self.assertEqual(doc, {"id": "fine", "n": [1.0, 2.5], "t": ["a", "b"]})

    def test_bad_search_options(self):
        searcher = self.build()
        for kwargs, error in [
            ({"sort": "year:up"}, trawl.InvalidArgumentError),
            ({"facet": "tag:many"}, trawl.InvalidArgumentError),
            ({"facet_range": "year"}, trawl.InvalidArgumentError),
            ({"field_weight": "title"}, trawl.InvalidArgumentError),
            ({"field_weight": {"title": 2}}, trawl.InvalidArgumentError),  # needs bm25f
            ({"proximity_window": 3}, trawl.InvalidArgumentError),  # needs proximity
            ({"b": 2}, trawl.InvalidArgumentError),
            ({"top": -1}, trawl.InvalidArgumentError),
            ({"sort": "no_such_field"}, trawl.InvalidArgumentError),
            ({"after": "not a cursor"}, trawl.InvalidArgumentError),
            ({"filter": "year:["}, trawl.InvalidArgumentError),
            ({"explain": 1}, TypeError),
            ({"sort": 3}, TypeError),
            ({"no_such_option": 1}, TypeError),
        ]:
            with self.subTest(kwargs=kwargs):
                with self.assertRaises(error):
                    searcher.search("data", **kwargs)
        with self.assertRaises(TypeError):
            searcher.count("data", sort="year")


class LimitsAndPartialResults(IndexTestCase):
    def test_a_query_past_a_limit_is_refused_naming_the_limit(self):
        searcher = self.build()
        for query, kwargs, limit in [
            ("((( data )))", {"max_depth": 2}, "max_depth"),
            ("data json text", {"max_clauses": 2}, "max_clauses"),
            ("interchange", {"max_query_bytes": 8}, "max_query_bytes"),
            ("b*", {"max_expansions": 1}, "max_expansions"),
            ('"data interchange syntax"', {"max_phrase_terms": 2}, "max_phrase_terms"),
            ("data", {"max_top": 5, "top": 6}, "max_top"),
            ("data", {"max_offset": 5, "offset": 6}, "max_offset"),
        ]:
            with self.subTest(limit=limit):
                with self.assertRaisesRegex(trawl.InvalidArgumentError,
                                            "the %s limit" % limit):
                    searcher.search(query, **kwargs)
        # Under the limits the same queries run.
        self.assertEqual(searcher.count("(( data ))", max_depth=2), 5)
        self.assertEqual(len(searcher.search("data", top=5, max_top=5)), 5)
        with self.assertRaisesRegex(trawl.InvalidArgumentError, "max_clauses"):
            searcher.count("data json text", max_clauses=2)
        # A limit out of its range, or not an int, is refused; count has no page to limit.
        with self.assertRaisesRegex(trawl.InvalidArgumentError, "max_depth must be from 1"):
            searcher.search("data", max_depth=100000)
        with self.assertRaises(TypeError):
            searcher.search("data", max_clauses="10")
        with self.assertRaises(TypeError):
            searcher.count("data", max_top=10)

    def test_background_merges_and_partial_results(self):
        # Merge factor 2: every second commit starts a merge on the writer's thread.
        import random
        rng = random.Random(5)
        docs = 1200
        with trawl.IndexWriter(self.path, language="none", merge_in_background=True,
                               merge_factor=2, merge_floor_docs=1, max_merged_docs=100000,
                               reclaim_deleted_percent=50) as writer:
            for i in range(docs):
                words = " ".join(rng.choice("abcd") + rng.choice("abcd") for _ in range(300))
                writer.add({"id": i, "body": words})
                if i % 150 == 149:
                    writer.commit()
            writer.wait_for_merges()
            self.assertEqual(writer.committed_documents, docs)
        searcher = trawl.Searcher(self.path)
        self.assertEqual(searcher.num_docs, docs)
        self.assertEqual(searcher.count("*:*"), docs)

        slow = ('"aa bb cc dd ab ba"~60 "ac ca bd db cd dc"~60 "ad da bc cb aa dd"~60 ab')
        complete = searcher.search(slow, timeout_ms=60000, allow_partial=True)
        self.assertFalse(complete.partial)
        with self.assertRaises(trawl.DeadlineExceededError):
            searcher.search(slow, timeout_ms=1)
        # A query that happened to finish within 1 ms would be complete: tried a few times.
        for _ in range(5):
            results = searcher.search(slow, timeout_ms=1, allow_partial=True)
            if results.partial:
                break
        self.assertTrue(results.partial)
        self.assertFalse(results.total_exact)
        self.assertIsNone(results.next)
        self.assertLessEqual(results.total, complete.total)
        with self.assertRaises(trawl.DeadlineExceededError):
            searcher.count(slow, timeout_ms=1)
        with self.assertRaises(TypeError):
            searcher.search("data", allow_partial=1)


class Threads(IndexTestCase):
    def test_searches_from_many_threads_agree(self):
        docs = [{"id": f"d{i}", "body": f"word{i % 7} common text {i}", "n": i}
                for i in range(300)]
        searcher = self.build(docs=docs, schema=None)
        queries = [f"word{k} common" for k in range(7)]
        expected = {q: [(h.id, h.score) for h in searcher.search(q, top=20)] for q in queries}
        counts = {q: searcher.count(q) for q in queries}
        failures = []

        def run():
            for _ in range(20):
                for q in queries:
                    got = [(h.id, h.score) for h in searcher.search(q, top=20)]
                    if got != expected[q] or searcher.count(q) != counts[q]:
                        failures.append(q)

        threads = [threading.Thread(target=run) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])

    def assertReleasesGil(self, call, attempts=20):
        # With a switch interval of 1000 s, the main thread gets the GIL back from the worker
        # only when the worker releases it by itself (or ends). If `call` releases it, the main
        # thread, waiting for the GIL, runs while the call is under way and sees `done` unset;
        # if not, it runs only after the worker has finished and sees it set, every time. The
        # worker first spins for 20 ms so that the main thread is waiting for the GIL when the
        # call starts (the OS may be slow to wake it), and a few attempts allow for the OS
        # being slower still; a call that holds the GIL fails all of them.
        for _ in range(attempts):
            if self._main_thread_ran_during(call):
                return
        self.fail("the GIL was held through the call")

    def _main_thread_ran_during(self, call):
        done = threading.Event()
        errors = []

        def run():
            try:
                spin_until = time.perf_counter() + 0.02
                while time.perf_counter() < spin_until:
                    pass
                call()
            except BaseException as e:  # reported by the main thread
                errors.append(e)
            done.set()

        old = sys.getswitchinterval()
        sys.setswitchinterval(1000)
        try:
            worker = threading.Thread(target=run)
            worker.start()
            ran_during_call = not done.is_set()
            worker.join()
        finally:
            sys.setswitchinterval(old)
        self.assertEqual(errors, [])
        return ran_during_call

    def test_gil_is_released(self):
        searcher = self.build()
        self.assertReleasesGil(lambda: searcher.search("data", facet="tag"))
        self.assertReleasesGil(lambda: searcher.count("data"))
        self.assertReleasesGil(lambda: searcher.get("rfc-8259"))
        with trawl.IndexWriter(self.path) as writer:
            self.assertReleasesGil(lambda: writer.add({"id": "g", "body": "gil"}))
            self.assertReleasesGil(writer.commit)

    def test_writer_calls_from_many_threads(self):
        writer = trawl.IndexWriter(self.path)

        def add(start):
            for i in range(start, start + 100):
                writer.add({"id": i, "body": f"doc {i}"})

        threads = [threading.Thread(target=add, args=(k * 100,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        writer.commit()
        writer.close()
        searcher = trawl.Searcher(self.path)
        self.assertEqual(searcher.count("doc"), 400)
        self.assertEqual(searcher.get(399)["body"], "doc 399")


if __name__ == "__main__":
    unittest.main()
