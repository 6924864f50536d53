#!/usr/bin/env python3
"""Tests of scripts/eval_metrics.py: the CACM reference run's known P@30, and trec_eval's rules
on small hand-computed cases. Run: python3 scripts/eval_metrics_test.py (no network).
The reference data is read from $TRAWL_EVAL_DATA or ../shared/data beside the repository; the
reference-run test is skipped when it is missing."""

import math
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import eval_metrics as em  # noqa: E402

DATA = os.environ.get("TRAWL_EVAL_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
CACM = os.path.join(DATA, "cacm")


def write(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8")
    f.write(text)
    f.close()
    return f.name


def run_lines(qid, docs_scores):
    return "".join(f"{qid} Q0 {d} {r} {s} t\n" for r, (d, s) in enumerate(docs_scores, 1))


class ReferenceRunTest(unittest.TestCase):
    """anserini-cacm-bm25-top30.txt: 64 topics x 30 hits; SOURCE.md and Anserini's TrecEvalTest
    give P@30 = 0.1942 over the 52 judged topics."""

    def setUp(self):
        self.qrels_path = os.path.join(CACM, "qrels.cacm.txt")
        self.run_path = os.path.join(CACM, "reference-runs", "anserini-cacm-bm25-top30.txt")
        if not (os.path.exists(self.qrels_path) and os.path.exists(self.run_path)):
            self.skipTest(f"CACM reference data not found in {CACM}")

    def test_p30_matches_trec_eval(self):
        qrels = em.read_qrels(self.qrels_path)
        run = em.read_run(self.run_path)
        self.assertEqual(len(run), 64)
        self.assertEqual(len(qrels), 52)
        per_query, means = em.evaluate(qrels, run)
        self.assertEqual(len(per_query), 52)  # the 12 topics without judgments are ignored
        self.assertEqual(f"{means['P_30']:.4f}", "0.1942")
        # 303 relevant documents in the 52 top-30 lists.
        self.assertAlmostEqual(means["P_30"] * 52 * 30, 303, places=9)
        # Every judged topic is in the run, so trec_eval -c changes nothing here.
        _, complete = em.evaluate(qrels, run, complete=True)
        self.assertEqual(complete, means)

    def test_command_line(self):
        import contextlib
        import io
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(em.main([self.qrels_path, self.run_path]), 0)
        fields = [line.split("\t") for line in out.getvalue().splitlines()]
        self.assertTrue(all(f[1] == "all" for f in fields))
        lines = {f[0].strip(): f[2] for f in fields}
        self.assertEqual(lines["P_30"], "0.1942")
        self.assertEqual(lines["num_q"], "52")


class TrecEvalRulesTest(unittest.TestCase):
    def evaluate(self, qrels_text, run_text, complete=False):
        q, r = write(qrels_text), write(run_text)
        try:
            return em.evaluate(em.read_qrels(q), em.read_run(r), complete)
        finally:
            os.unlink(q)
            os.unlink(r)

    def test_ties_break_by_docno_descending_and_rank_column_is_ignored(self):
        # Equal scores: trec_eval puts d9 before d10 before d1 (strcmp, descending).
        qrels = "1 0 d1 1\n"
        run = "1 Q0 d1 1 5.0 t\n1 Q0 d10 2 5.0 t\n1 Q0 d9 3 5.0 t\n"
        per_query, _ = self.evaluate(qrels, run)
        self.assertAlmostEqual(per_query["1"]["map"], 1 / 3)
        self.assertEqual(em.rank([("d1", 5.0), ("d10", 5.0), ("d9", 5.0), ("x", 6.0)]),
                         ["x", "d9", "d10", "d1"])

    def test_average_precision_counts_unretrieved_relevant(self):
        qrels = "1 0 a 1\n1 0 b 0\n1 0 c 1\n1 0 z 1\n"
        run = run_lines(1, [("a", 3), ("b", 2), ("c", 1)])
        per_query, _ = self.evaluate(qrels, run)
        self.assertAlmostEqual(per_query["1"]["map"], (1 / 1 + 2 / 3) / 3)
        self.assertAlmostEqual(per_query["1"]["recall_100"], 2 / 3)

    def test_precision_divides_by_the_cutoff(self):
        per_query, _ = self.evaluate("1 0 a 1\n", run_lines(1, [("a", 1)]))
        self.assertAlmostEqual(per_query["1"]["P_30"], 1 / 30)

    def test_recall_at_100_cuts_at_100(self):
        docs = [(f"n{i:03d}", 1000 - i) for i in range(100)] + [("r", 1)]
        per_query, _ = self.evaluate("1 0 r 1\n1 0 n000 1\n", run_lines(1, docs))
        self.assertAlmostEqual(per_query["1"]["recall_100"], 0.5)
        self.assertAlmostEqual(per_query["1"]["map"], (1 + 2 / 101) / 2)

    def test_which_queries_count(self):
        qrels = "1 0 a 1\n2 0 b 0\n3 0 c 1\n"
        # 1: evaluated; 2: judged, nothing relevant: evaluated, scores 0; 3: judged but not in
        # the run: ignored unless complete; 4: in the run, not judged: ignored.
        run = run_lines(1, [("a", 1)]) + run_lines(2, [("b", 1)]) + run_lines(4, [("a", 1)])
        per_query, means = self.evaluate(qrels, run)
        self.assertEqual(sorted(per_query), ["1", "2"])
        self.assertAlmostEqual(means["map"], 0.5)
        per_query, means = self.evaluate(qrels, run, complete=True)
        self.assertEqual(sorted(per_query), ["1", "2", "3"])
        self.assertAlmostEqual(means["map"], 1 / 3)

    def test_negative_and_zero_relevance_are_not_relevant(self):
        qrels = "1 0 a -1\n1 0 b 0\n1 0 c 2\n"
        per_query, _ = self.evaluate(qrels, run_lines(1, [("a", 3), ("b", 2), ("c", 1)]))
        self.assertAlmostEqual(per_query["1"]["map"], 1 / 3)
        self.assertAlmostEqual(per_query["1"]["ndcg_cut_10"], (2 / math.log2(4)) / 2)

    def test_ndcg_uses_graded_gains_and_trec_eval_discount(self):
        # Judged: a=3, b=1, c=2, e=2 (never retrieved). Ranking: b, x (unjudged), a, c.
        qrels = "1 0 a 3\n1 0 b 1\n1 0 c 2\n1 0 e 2\n"
        per_query, _ = self.evaluate(qrels, run_lines(1, [("b", 4), ("x", 3), ("a", 2), ("c", 1)]))
        dcg = 1 / math.log2(2) + 3 / math.log2(4) + 2 / math.log2(5)
        idcg = 3 / math.log2(2) + 2 / math.log2(3) + 2 / math.log2(4) + 1 / math.log2(5)
        self.assertAlmostEqual(per_query["1"]["ndcg_cut_10"], dcg / idcg)

    def test_ndcg_cuts_ideal_at_10(self):
        qrels = "".join(f"1 0 r{i:02d} 1\n" for i in range(12))
        ranking = [(f"r{i:02d}", 100 - i) for i in range(12)]
        per_query, _ = self.evaluate(qrels, run_lines(1, ranking))
        self.assertAlmostEqual(per_query["1"]["ndcg_cut_10"], 1.0)

    def test_duplicates_are_errors(self):
        for qrels, run in (("1 0 a 1\n1 0 a 0\n", "1 Q0 a 1 1 t\n"),
                           ("1 0 a 1\n", "1 Q0 a 1 1 t\n1 Q0 a 2 0.5 t\n")):
            with self.assertRaises(em.FormatError):
                self.evaluate(qrels, run)


if __name__ == "__main__":
    unittest.main()
