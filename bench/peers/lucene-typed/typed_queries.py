#!/usr/bin/env python3
"""Derives a typed-field query file (JSON lines, format in README.md) from a JSONL corpus and
its trawl schema: range filters alone, range filters with text, text sorted by a numeric field,
and keyword facet counts over text.

    typed_queries.py CORPUS.jsonl SCHEMA.json [--per-class N] [--seed S] [--sample D] [--out FILE]

Deterministic: the same corpus, schema and options give the same bytes (PYTHONHASHSEED does
not matter). Statistics come from the first D documents (--sample, default 100,000).

Text: words are lowercase a-z only, 2-24 letters, as tools/peers/queries.py takes them; their
document frequency over the sample gives bands (rare 2 <= df < max(5, D/5000), common
df >= D/100, medium between). The text of a query is one word (cycling medium, common, rare for the
range classes; common, medium for sorts and facets, which are about many matches),
two words of one document joined by "and", or two independent words joined by "or", in turn.
Ranges: over each int, float and date field in turn, a window of the field's sampled values
that holds 0.1%, 1%, 10% or 50% of them (in turn) at a random place, with bounds cycling through
[a, b], [a, b), (a, b], >= a and <= b. Date bounds are UTC midnights (written with their time
in both forms, as trawl reads a date alone as its whole day), float bounds have two
decimals (both rounded outwards), and a half-open window is at least one step (1, 0.01, a day)
wide. Facets: each keyword and bool field in turn, except fields whose values are nearly
unique (more distinct values than half the documents having them). Sorts: each numeric field
in turn, descending (every fourth ascending).
"""

import argparse
import datetime
import json
import math
import random
import re
import sys

WORD = re.compile(r"[^\W_]+")  # runs of letters or digits, as the engines tokenize
ASCII_WORD = re.compile(r"^[a-z]{2,24}$")
NUMERIC = ("int", "float", "date")
SELECTIVITY = (0.001, 0.01, 0.1, 0.5)
BRACKETS = ("[]", "[)", "(]", ">=", "<=")


def die(msg):
    print(f"typed_queries: {msg}", file=sys.stderr)
    sys.exit(1)


def parse_date(value, where):
    """Seconds since the epoch of an RFC 3339 / ISO 8601 date (no zone: UTC) or epoch millis."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 1000.0
    s = str(value).strip()
    try:
        if len(s) == 10:
            d = datetime.datetime.strptime(s, "%Y-%m-%d")
        else:
            d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        die(f"{where}: not a date: {s!r}")
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()


def day(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%d")


def values(v):
    if v is None:
        return []
    return [x for x in v if x is not None] if isinstance(v, list) else [v]


def load(corpus, schema_path, sample):
    with open(schema_path, encoding="utf-8") as f:
        fields = json.load(f).get("fields")
    if not isinstance(fields, dict):
        die(f"{schema_path}: no \"fields\" object")
    types = {name: spec.get("type", "text") for name, spec in fields.items()}
    text_fields = [n for n, t in types.items() if t == "text"]
    docs_words = []       # per document: its distinct query-able words
    df = {}
    numeric = {n: [] for n, t in types.items() if t in NUMERIC}
    keyword = {n: {} for n, t in types.items() if t in ("keyword", "bool")}
    keyword_docs = {n: 0 for n in keyword}
    with open(corpus, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if len(docs_words) >= sample:
                break
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as e:
                die(f"{corpus}:{no}: {e}")
            words = set()
            for n in text_fields:
                for v in values(doc.get(n)):
                    for w in WORD.findall(str(v).lower()):
                        if ASCII_WORD.match(w):
                            words.add(w)
            words = sorted(words)
            docs_words.append(words)
            for w in words:
                df[w] = df.get(w, 0) + 1
            for n, vals in numeric.items():
                for v in values(doc.get(n)):
                    where = f"{corpus}:{no}: field {n}"
                    if types[n] == "date":
                        vals.append(parse_date(v, where))
                    else:
                        try:
                            vals.append(float(v))
                        except (TypeError, ValueError):
                            die(f"{where}: not a number: {v!r}")
            for n, counts in keyword.items():
                vs = values(doc.get(n))
                if vs:
                    keyword_docs[n] += 1
                for v in vs:
                    k = str(v).lower() if isinstance(v, bool) else str(v)
                    counts[k] = counts.get(k, 0) + 1
    if not docs_words:
        die(f"{corpus}: no documents")
    for vals in numeric.values():
        vals.sort()
    return types, docs_words, df, numeric, keyword, keyword_docs


class Generator:
    def __init__(self, types, docs_words, df, numeric, keyword, keyword_docs, rng):
        self.types, self.docs_words, self.df, self.rng = types, docs_words, df, rng
        n = len(docs_words)
        self.rare_max, self.common_min = max(5, n / 5000), n / 100
        self.bands = {"r": [], "m": [], "c": []}
        for w in sorted(df):
            if df[w] >= 2:
                self.bands[self.band(w)].append(w)
        self.numeric = {k: v for k, v in numeric.items() if v}
        self.facet_fields = [k for k, c in keyword.items()
                             if c and len(c) <= max(1, keyword_docs[k]) / 2]
        self.cycle = {}

    def band(self, w):
        d = self.df[w]
        return "r" if d < self.rare_max else "c" if d >= self.common_min else "m"

    def next(self, key, n):
        i = self.cycle.get(key, 0)
        self.cycle[key] = i + 1
        return i % n

    def word(self, band):
        ws = self.bands[band] or self.bands["m"] or self.bands["c"] or self.bands["r"]
        return self.rng.choice(ws)

    def text(self, cls):
        """(text, op, tags): one word, two of one document (and) or two independent (or)."""
        kind = self.next(cls + ":text", 3)
        if kind == 0:
            # Facets and sorts are about many matches: their single words are common or medium.
            bands = "mcr" if cls.startswith("range") else "cm"
            w = self.word(bands[self.next(cls + ":band", len(bands))])
            return w, "and", ["term", "band:" + self.band(w)]
        if kind == 1:
            for _ in range(1000):
                ws = [w for w in self.rng.choice(self.docs_words) if self.df[w] >= 2]
                if len(ws) >= 2:
                    a, b = self.rng.sample(ws, 2)
                    return f"{a} {b}", "and", ["and2", "bands:" + "".join(sorted(self.band(a) + self.band(b)))]
        a, b = self.word("mc"[self.next(cls + ":or", 2)]), self.word("mcr"[self.next(cls + ":or2", 3)])
        while b == a:
            b = self.word("m")
        return f"{a} {b}", "or", ["or2", "bands:" + "".join(sorted(self.band(a) + self.band(b)))]

    @staticmethod
    def trawl_text(text, op):
        ws = text.split()
        return " ".join("+" + w for w in ws) if op == "and" and len(ws) > 1 else " ".join(ws)

    def range(self, cls):
        """(range object, trawl range expression, tags)."""
        fields = sorted(self.numeric)
        field = fields[self.next(cls + ":field", len(fields))]
        vals, kind = self.numeric[field], self.types[field]
        sel = SELECTIVITY[self.next(cls + ":sel", len(SELECTIVITY))]
        brackets = BRACKETS[self.next(cls + ":brackets", len(BRACKETS))]
        n = len(vals)
        width = max(1, int(sel * n))
        start = self.rng.randrange(0, max(1, n - width))
        lo, hi = vals[start], vals[min(n - 1, start + width)]
        if brackets == ">=":
            lo, hi = vals[min(n - 1, n - width)], None
        elif brackets == "<=":
            lo, hi = None, vals[min(n - 1, width)]

        def fmt(v, up):  # (JSON value, trawl text), rounded outwards (up: the upper bound)
            if kind == "date":
                # With its time in trawl's form too: trawl widens a date-only bound to its whole
                # day (an inclusive upper 2024-05-31 ends at 23:59:59.999), Lucene's is an instant.
                d = day(math.ceil(v / 86400) * 86400 if up else v) + "T00:00:00Z"
                return d, d
            if kind == "int":
                return int(v), str(int(v))
            v = (math.ceil if up else math.floor)(round(v * 100, 6)) / 100
            return v, repr(v)

        if lo is not None and hi is not None and brackets != "[]":
            # A half-open window must not be empty: widen it by one step of the field.
            step = {"int": 1, "float": 0.01, "date": 86400}[kind]
            if kind == "date":
                lo, hi = math.floor(lo / 86400) * 86400, math.ceil(hi / 86400) * 86400
            if hi - lo < step:
                if brackets == "[)":
                    hi = lo + step
                else:
                    lo = hi - step
        r, t = {"field": field}, None
        lo_j, lo_t = fmt(lo, False) if lo is not None else (None, "*")
        hi_j, hi_t = fmt(hi, True) if hi is not None else (None, "*")
        if brackets == ">=":
            r["gte"], t = lo_j, f"{field}:>={lo_t}"
        elif brackets == "<=":
            r["lte"], t = hi_j, f"{field}:<={hi_t}"
        else:
            r["gte" if brackets[0] == "[" else "gt"] = lo_j
            r["lte" if brackets[1] == "]" else "lt"] = hi_j
            t = f"{field}:{brackets[0].replace('(', '{')}{lo_t} TO {hi_t}{brackets[1].replace(')', '}')}"
        return r, t, [f"field:{field}", f"sel:{sel:g}", f"brackets:{brackets}"]

    def make(self, cls):
        if cls == "range":
            r, t, tags = self.range(cls)
            return {"class": cls, "range": r, "trawl": {"query": "", "filter": [t]}, "tags": tags}
        if cls == "range_text":
            text, op, ttags = self.text(cls)
            r, t, tags = self.range(cls)
            return {"class": cls, "text": text, "op": op, "range": r,
                    "trawl": {"query": self.trawl_text(text, op), "filter": [t]}, "tags": ttags + tags}
        if cls == "sort":
            text, op, ttags = self.text(cls)
            fields = sorted(self.numeric)
            field = fields[self.next("sort:field", len(fields))]
            order = "asc" if self.next("sort:order", 4) == 3 else "desc"
            return {"class": cls, "text": text, "op": op, "sort": {"field": field, "order": order},
                    "trawl": {"query": self.trawl_text(text, op), "sort": [f"{field}:{order}"]},
                    "tags": ttags + [f"field:{field}"]}
        text, op, ttags = self.text(cls)
        field = self.facet_fields[self.next("facet:field", len(self.facet_fields))]
        return {"class": cls, "text": text, "op": op, "facet": {"field": field, "top": 10},
                "trawl": {"query": self.trawl_text(text, op), "facet": [f"{field}:10"]},
                "tags": ttags + [f"field:{field}"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("schema")
    ap.add_argument("--per-class", type=int, default=100)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--sample", type=int, default=100000)
    ap.add_argument("--classes", default="range,range_text,sort,facet")
    ap.add_argument("--out", default="-")
    args = ap.parse_args(argv)

    types, docs_words, df, numeric, keyword, keyword_docs = load(args.corpus, args.schema, args.sample)
    g = Generator(types, docs_words, df, numeric, keyword, keyword_docs, random.Random(args.seed))
    classes = args.classes.split(",")
    for c in classes:
        if c not in ("range", "range_text", "sort", "facet"):
            die(f"unknown class {c!r}")
    if not g.numeric and set(classes) & {"range", "range_text", "sort"}:
        die(f"{args.schema}: no int, float or date field with values: no range or sort queries")
    if not g.facet_fields and "facet" in classes:
        die(f"{args.schema}: no keyword or bool field to facet on")
    if not df:
        die(f"{args.corpus}: no words in the text fields")
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    out.write(f"# typed queries: corpus={args.corpus} schema={args.schema} seed={args.seed} "
              f"sample={len(docs_words)} rare<{g.rare_max:g} common>={g.common_min:g} "
              f"facet fields={','.join(g.facet_fields)}\n")
    for c in classes:
        for _ in range(args.per_class):
            out.write(json.dumps(g.make(c), ensure_ascii=False) + "\n")
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
