#!/usr/bin/env python3
"""Converters for the judged test collections in ../shared/data (python3, standard library only).

    scripts/eval_collections.py prepare COLLECTION OUTDIR [--data DIR] [--fields split|joined]
    scripts/eval_collections.py run QIDS RESULTS [--tag TAG] > run.txt

`prepare` writes, for COLLECTION (cacm or cranfield), into OUTDIR:
  docs.jsonl    one {"id", "body"} (joined) or {"id", "title", "body"} (split) object a line
  queries.txt   one query a line: the topic's text with its white space collapsed, for
                trawl-search --plain (plain text: every term the index's analyzer finds is an
                optional clause, so no query syntax applies, as Anserini runs topics); topics
                without any letter or digit are left out
  qids.txt      the qrels query id of each line of queries.txt
  qrels.txt     TREC 4-column qrels (`qid 0 docno rel`), ids as in the run file
`run` turns trawl-search --queries output (one JSON line per line of queries.txt) into a TREC
run file (`qid Q0 docno rank score tag`).

Fields (--fields): `split` (the default) writes a `title` and a `body` text field (trawl sums the
BM25 scores of both fields); `joined` writes one text field `body` holding the whole document,
the way Anserini and the peers harness index it.

CACM (cacm.tar.gz, 3204 `CACM-nnnn.html` files): the id is the file name without `.html`, as
in qrels.cacm.txt. The text is everything inside <html><pre> (Anserini's HtmlCollection indexes
the jsoup text of the whole file): title, abstract, date, authors, keywords, CR categories,
the CA id and the citation table. `split`: title = the lines before the first blank line,
body = the rest. Topics: the text between </DOCNO> and </DOC> (author lines included, as in
Anserini's CacmTopicReader); the qid is the DOCNO. Qrels are copied as they are.

Cranfield (cran.all.1400, cran.qry, cranqrel): ids are the `.I` numbers. title = `.T`,
body = `.W` (the abstract, which already repeats the title); `.A` and `.B` (authors,
bibliographic reference) are not indexed. `joined`: body = `.W`, with `.T` put first when `.W`
does not already start with it (empty `.W` in docs 471 and 995; 576, 578, 1000 and 1369 differ).
Queries are numbered 1..225 by their POSITION in cran.qry (the `.I` numbers are not the qrels
numbers; see SOURCE.md). Qrels codes (1 = complete answer ... 4 = minimum interest, -1 = not
relevant) become TREC relevance 5 - code (1->4, 2->3, 3->2, 4->1) and -1 -> 0: binary metrics
count codes 1-4 as relevant, nDCG uses graded gains 4..1.
"""

import argparse
import json
import os
import re
import sys
import tarfile
import unicodedata

WORD_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"}


def query_text(text):
    """The topic as one line for trawl-search --plain, or "" when it holds no word at all.

    The text is kept as it is (only white space is collapsed): the index's own analyzer, as
    chosen with trawl-index --tokenizer, decides what the terms are, exactly as for documents.
    """
    if not any(unicodedata.category(ch) in WORD_CATEGORIES for ch in text):
        return ""
    return " ".join(text.split())


def _normalize(text):
    return " ".join(text.split())


# ---- CACM ----

def cacm_docs(data, fields):
    with tarfile.open(os.path.join(data, "cacm.tar.gz")) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".html")),
                         key=lambda m: m.name)
        for m in members:
            raw = tar.extractfile(m).read().decode("utf-8")
            # Only these four tags occur; '<' elsewhere is text ("1 <= m"), as jsoup reads it.
            text = re.sub(r"</?(html|pre)>", "", raw)
            docno = os.path.basename(m.name)[: -len(".html")]
            if fields == "joined":
                yield {"id": docno, "body": text.strip()}
            else:
                parts = re.split(r"\n[ \t]*\n", text.strip(), maxsplit=1)
                yield {"id": docno, "title": _normalize(parts[0]),
                       "body": parts[1].strip() if len(parts) > 1 else ""}


def cacm_topics(data):
    with open(os.path.join(data, "topics.cacm.txt"), encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r"<DOC>\s*<DOCNO>\s*(.*?)\s*</DOCNO>(.*?)</DOC>", text, re.S):
        yield m.group(1), m.group(2)


def cacm_qrels(data):
    with open(os.path.join(data, "qrels.cacm.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts:
                qid, it, docno, rel = parts
                yield qid, docno, int(rel)


# ---- Cranfield ----

def _smart_records(path):
    """[(id, {field letter: text})] of a SMART file (`.I n`, then `.X` field markers)."""
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^\.I\s+(\S+)\s*$", line)
            if m:
                records.append((m.group(1), {}))
                field = None
                continue
            m = re.match(r"^\.([A-Z])\s*$", line)
            if m and records:
                field = m.group(1)
                records[-1][1][field] = []
                continue
            if records and field is not None:
                records[-1][1][field].append(line)
    return [(rid, {k: "\n".join(v).strip() for k, v in fs.items()}) for rid, fs in records]


def cranfield_docs(data, fields):
    for rid, fs in _smart_records(os.path.join(data, "cran.all.1400")):
        title, abstract = fs.get("T", ""), fs.get("W", "")
        if fields == "split":
            yield {"id": rid, "title": _normalize(title), "body": abstract}
        elif _normalize(abstract).startswith(_normalize(title)):
            yield {"id": rid, "body": abstract}
        else:
            yield {"id": rid, "body": (title + "\n" + abstract).strip()}


def cranfield_topics(data):
    # qrels number the queries by position, not by `.I`.
    for position, (_, fs) in enumerate(_smart_records(os.path.join(data, "cran.qry")), 1):
        yield str(position), fs.get("W", "")


def cranfield_qrels(data):
    with open(os.path.join(data, "cranqrel"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts:
                qid, docno, code = parts[0], parts[1], int(parts[2])
                yield qid, docno, 5 - code if 1 <= code <= 4 else 0


COLLECTIONS = {
    "cacm": (cacm_docs, cacm_topics, cacm_qrels),
    "cranfield": (cranfield_docs, cranfield_topics, cranfield_qrels),
}


def prepare(collection, data, outdir, fields):
    docs, topics, qrels = COLLECTIONS[collection]
    os.makedirs(outdir, exist_ok=True)
    ndocs = 0
    with open(os.path.join(outdir, "docs.jsonl"), "w", encoding="utf-8") as out:
        for doc in docs(data, fields):
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            ndocs += 1
    nqueries = nempty = 0
    with open(os.path.join(outdir, "queries.txt"), "w", encoding="utf-8") as q, \
            open(os.path.join(outdir, "qids.txt"), "w", encoding="utf-8") as ids:
        for qid, text in topics(data):
            words = query_text(text)
            if not words:
                nempty += 1
                continue
            q.write(words + "\n")
            ids.write(qid + "\n")
            nqueries += 1
    with open(os.path.join(outdir, "qrels.txt"), "w", encoding="utf-8") as out:
        for qid, docno, rel in qrels(data):
            out.write(f"{qid} 0 {docno} {rel}\n")
    print(f"{collection}: {ndocs} documents, {nqueries} queries"
          + (f" ({nempty} without words left out)" if nempty else ""), file=sys.stderr)


def to_run(qids_path, results_path, tag, out):
    with open(qids_path, encoding="utf-8") as f:
        qids = [line.strip() for line in f if line.strip()]
    with open(results_path, encoding="utf-8") as f:
        results = [json.loads(line) for line in f if line.strip()]
    if len(results) != len(qids):
        raise SystemExit(f"eval_collections: {len(qids)} queries but {len(results)} results")
    for qid, result in zip(qids, results):
        for r, hit in enumerate(result["hits"], 1):
            # repr keeps every digit of the score, so ties are only the engine's own ties.
            out.write(f"{qid} Q0 {hit['id']} {r} {hit['score']!r} {tag}\n")


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    default_data = os.environ.get("TRAWL_EVAL_DATA",
                                  os.path.join(here, "..", "..", "shared", "data"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write docs.jsonl, queries.txt, qids.txt, qrels.txt")
    p.add_argument("collection", choices=sorted(COLLECTIONS))
    p.add_argument("outdir")
    p.add_argument("--data", default=default_data,
                   help="folder holding cacm/ and cranfield/ (default: $TRAWL_EVAL_DATA or "
                        "../shared/data beside the repository)")
    p.add_argument("--fields", choices=("split", "joined"), default="split")
    r = sub.add_parser("run", help="trawl-search --queries output -> TREC run on stdout")
    r.add_argument("qids")
    r.add_argument("results")
    r.add_argument("--tag", default="trawl")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.collection, os.path.join(args.data, args.collection), args.outdir,
                args.fields)
    else:
        to_run(args.qids, args.results, args.tag, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
