#!/usr/bin/env python3
"""Relevance metrics with trec_eval's conventions (python3, standard library only).

    scripts/eval_metrics.py QRELS RUN [--per-query] [--complete]

QRELS is TREC 4-column (`qid iter docno rel`), RUN is a TREC run (`qid Q0 docno rank score tag`).
Prints one line per metric, in trec_eval's layout (`name <TAB> all <TAB> value`):
num_q, map, P_30, ndcg_cut_10, recall_100. Equivalent to
`trec_eval -m num_q -m map -m P.30 -m ndcg_cut.10 -m recall.100 QRELS RUN`
(trec_eval 9.0.x; not available here, so this is a reimplementation of its rules):

- Ranking: the run's rank column is ignored. Each query's documents are sorted by score
  descending, ties broken by docno descending (strcmp order), as trec_eval does.
- Queries: a query is evaluated when it has at least one retrieved document in the run AND at
  least one line in the qrels. Queries that the qrels do not mention are ignored (CACM: 12 of
  its 64 topics), and so are judged queries with no retrieved documents, unless --complete
  (trec_eval -c), which scores those 0 in every metric. A query in the qrels whose judgments are
  all non-relevant is evaluated (it scores 0), as in trec_eval since version 8.
- Relevant means rel >= 1 (trec_eval's default -l 1). rel 0 and negative rels (trec_eval:
  "judged pool, unjudged") are not relevant; unjudged retrieved documents are not relevant.
- map: mean over queries of sum_{relevant retrieved at rank r} P@r / (number of relevant docs
  in the qrels for that query), i.e. over all judged-relevant documents, retrieved or not.
- P_30: relevant docs in the top 30 / 30 (always / 30, even if fewer were retrieved).
- recall_100: relevant docs in the top 100 / number of relevant docs in the qrels.
- ndcg_cut_10: DCG@10 / IDCG@10 with gain = the qrels rel value (so graded qrels give graded
  gains, binary qrels give gain 1) and discount log2(rank + 1), rank from 1 (trec_eval 9.0.x's
  m_ndcg_cut.c). The ideal ranking takes every judged document with rel >= 1 from the qrels,
  sorted by rel descending.
- Duplicate docnos within one query of the run, or of the qrels, are an error (as in trec_eval).
"""

import argparse
import math
import sys
from collections import defaultdict

METRICS = ("map", "P_30", "ndcg_cut_10", "recall_100")


class FormatError(Exception):
    pass


def read_qrels(path):
    """{qid: {docno: rel}} from a TREC 4-column qrels file."""
    qrels = defaultdict(dict)
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise FormatError(f"{path}:{lineno}: expected 4 columns 'qid iter docno rel'")
            qid, _, docno, rel = parts
            try:
                rel = int(rel)
            except ValueError:
                raise FormatError(f"{path}:{lineno}: relevance '{rel}' is not an integer")
            if docno in qrels[qid]:
                raise FormatError(f"{path}:{lineno}: duplicate judgment for {qid} {docno}")
            qrels[qid][docno] = rel
    return dict(qrels)


def read_run(path):
    """{qid: [(docno, score)]} from a TREC run file (rank and tag columns are ignored)."""
    run = defaultdict(list)
    seen = set()
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                raise FormatError(f"{path}:{lineno}: expected 6 columns 'qid Q0 docno rank score tag'")
            qid, _, docno, _, score, _ = parts
            if (qid, docno) in seen:
                raise FormatError(f"{path}:{lineno}: duplicate document {docno} for query {qid}")
            seen.add((qid, docno))
            try:
                run[qid].append((docno, float(score)))
            except ValueError:
                raise FormatError(f"{path}:{lineno}: score '{score}' is not a number")
    return dict(run)


def rank(results):
    """Docnos in trec_eval's order: score descending, then docno descending (strcmp)."""
    ordered = sorted(results, key=lambda r: r[0].encode("utf-8"), reverse=True)
    ordered.sort(key=lambda r: r[1], reverse=True)  # stable: equal scores keep docno desc
    return [docno for docno, _ in ordered]


def query_metrics(judgments, ranked):
    """The metrics of one query: judgments {docno: rel}, ranked [docno] best first."""
    num_rel = sum(1 for rel in judgments.values() if rel >= 1)
    rels = [judgments.get(docno, 0) for docno in ranked]

    hits = 0
    precision_sum = 0.0
    for r, rel in enumerate(rels, 1):
        if rel >= 1:
            hits += 1
            precision_sum += hits / r
    ap = precision_sum / num_rel if num_rel else 0.0

    p30 = sum(1 for rel in rels[:30] if rel >= 1) / 30
    recall100 = sum(1 for rel in rels[:100] if rel >= 1) / num_rel if num_rel else 0.0

    dcg = sum(rel / math.log2(r + 1) for r, rel in enumerate(rels[:10], 1) if rel > 0)
    ideal = sorted((rel for rel in judgments.values() if rel >= 1), reverse=True)[:10]
    idcg = sum(rel / math.log2(r + 1) for r, rel in enumerate(ideal, 1))
    ndcg10 = dcg / idcg if idcg > 0 else 0.0

    return {"map": ap, "P_30": p30, "ndcg_cut_10": ndcg10, "recall_100": recall100}


def evaluate(qrels, run, complete=False):
    """(per_query {qid: {metric: value}}, means {metric: value}) as trec_eval computes them."""
    per_query = {}
    for qid, results in run.items():
        if qid in qrels and results:
            per_query[qid] = query_metrics(qrels[qid], rank(results))
    if complete:
        for qid in qrels:
            per_query.setdefault(qid, {m: 0.0 for m in METRICS})
    n = len(per_query)
    means = {m: (sum(q[m] for q in per_query.values()) / n if n else 0.0) for m in METRICS}
    return per_query, means


def _qid_key(qid):
    return (0, int(qid), "") if qid.isdigit() else (1, 0, qid)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("qrels")
    parser.add_argument("run")
    parser.add_argument("--per-query", action="store_true", help="also print each query's values")
    parser.add_argument("--complete", "-c", action="store_true",
                        help="average over every query in the qrels (trec_eval -c)")
    args = parser.parse_args(argv)
    try:
        qrels = read_qrels(args.qrels)
        run = read_run(args.run)
    except (OSError, FormatError) as e:
        print(f"eval_metrics: {e}", file=sys.stderr)
        return 1
    per_query, means = evaluate(qrels, run, args.complete)
    if args.per_query:
        for qid in sorted(per_query, key=_qid_key):
            for m in METRICS:
                print(f"{m:<22}\t{qid}\t{per_query[qid][m]:.4f}")
    print(f"{'num_q':<22}\tall\t{len(per_query)}")
    for m in METRICS:
        print(f"{m:<22}\tall\t{means[m]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
