#!/usr/bin/env python3
"""Debian changelogs as a typed JSONL corpus: one document per changelog entry.

    scripts/changelog_corpus.py [--out FILE] [--schema-out FILE] [DOC_ROOT]

Reads DOC_ROOT/*/changelog.Debian.gz (DOC_ROOT defaults to /usr/share/doc) and writes one JSON
object a line to FILE (default stdout):

    {"id": "<binary dir>/<version>", "package": source, "binary": dir name, "version": ...,
     "distribution": [...], "urgency": lowercased, "maintainer": name, "maintainer_email": ...,
     "date": RFC 3339 in UTC, "year": int, "security": bool, "cves": [...],
     "title": "source version", "body": the change lines}

An entry is what Debian Policy 4.4 (debian/changelog) describes:

    source (version) distribution(s); urgency=U[, key=value...]
    <blank lines>
      * change details
    <blank lines>
     -- Maintainer Name <email>  Day, dd Mon yyyy hh:mm:ss +zzzz

"security" is true when a distribution names security (e.g. bookworm-security) or the entry
names a CVE id. A source's changelog is installed under each of its binary packages, so one
(package, version) appears once per binary directory; the id keeps them apart. A version
repeated within one file (it happens in old changelogs) gets "#2", "#3"... appended to its id.

Nothing is dropped silently: an entry that does not parse is reported on stderr as
FILE:LINE: reason and counted, and the last stderr line sums up
"files F, entries E, skipped S, ...". Exit status 0 unless a file cannot be read at all or
--strict is given and something was skipped.

Parsing stops at an "Old Changelog:" line and ignores "Local variables:" editor blocks and
'#' comment lines between entries, as dpkg-parsechangelog does. Lines are decoded as UTF-8,
falling back to Latin-1 per line (old changelogs predate UTF-8).

Only the standard library is used.
"""

import argparse
import datetime
import email.utils
import glob
import gzip
import json
import os
import re
import sys
import textwrap
import time

# dpkg's Dpkg::Changelog::Entry::Debian regexes, slightly relaxed where real changelogs are.
HEADER = re.compile(
    r"^(?P<source>\w[-+0-9a-z.]*) \((?P<version>[^() \t]+)\)"
    r"(?P<dists>(?:\s+[-+0-9a-z.]+)+)\s*;(?P<options>.*?)\s*$",
    re.IGNORECASE)
TRAILER = re.compile(r"^ -- (?P<name>.*?)\s*<(?P<email>[^<>]*)>(?P<gap>\s*)(?P<date>.*?)\s*$")
CVE = re.compile(r"\bCVE-(\d{4})-(\d{4,})\b", re.IGNORECASE)
OLD_CHANGELOG = re.compile(r"^Old Changelog:\s*$", re.IGNORECASE)
EDITOR_BLOCK = re.compile(r"^(?:(?:;;\s*)?Local variables:|vim?:)", re.IGNORECASE)

SCHEMA = {
    "fields": {
        "package": {"type": "keyword"},
        "binary": {"type": "keyword"},
        "version": {"type": "keyword"},
        "distribution": {"type": "keyword"},
        "urgency": {"type": "keyword", "lowercase": True},
        "maintainer": {"type": "keyword"},
        "maintainer_email": {"type": "keyword"},
        "date": {"type": "date"},
        "year": {"type": "int"},
        "security": {"type": "bool"},
        "cves": {"type": "keyword"},
        "title": {"type": "text"},
        "body": {"type": "text"},
    },
    "dynamic": False,
}


def schema_json():
    """SCHEMA as JSON, one field a line."""
    fields = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in SCHEMA["fields"].items())
    return f'{{\n  "fields": {{\n{fields}\n  }},\n  "dynamic": {json.dumps(SCHEMA["dynamic"])}\n}}\n'


class ParseError(Exception):
    pass


def decode(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_date(text):
    """RFC 5322 date -> aware datetime in UTC; ParseError with the reason otherwise."""
    if not text:
        raise ParseError("trailer has no date")
    try:
        d = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError) as e:
        raise ParseError(f"bad date {text!r} ({e})") from None
    if d is None:
        raise ParseError(f"bad date {text!r}")
    if d.tzinfo is None:  # "-0000": the zone is unknown; RFC 5322 reads that as UTC
        d = d.replace(tzinfo=datetime.timezone.utc)
    d = d.astimezone(datetime.timezone.utc)
    if not 1990 <= d.year <= 2100:
        raise ParseError(f"implausible date {text!r}")
    return d


def parse_options(text, where):
    """'urgency=medium, binary-only=yes' -> {'urgency': 'medium', ...} (keys lowercased)."""
    out = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, eq, value = part.partition("=")
        if not eq:
            raise ParseError(f"{where}: header option {part!r} is not key=value")
        out[key.strip().lower()] = value.strip()
    return out


def make_entry(binary, header, body_lines, trailer):
    """Builds the document of one entry from its header match, its change lines and its
    trailer match; ParseError names what is wrong."""
    options = parse_options(header["options"], "header")
    urgency = options.get("urgency", "")
    # Old entries write "urgency=low (HIGH for hurd users)": the level is the first word.
    urgency = urgency.split()[0].lower() if urgency.split() else ""
    if not urgency:
        raise ParseError("header has no urgency")
    date = parse_date(trailer["date"])
    # Drop the blank lines around the changes and the common indentation of the rest.
    while body_lines and not body_lines[0].strip():
        body_lines.pop(0)
    while body_lines and not body_lines[-1].strip():
        body_lines.pop()
    body = textwrap.dedent("\n".join(line.rstrip() for line in body_lines))
    dists = header["dists"].split()
    cves = []
    for m in CVE.finditer(body):
        cve = f"CVE-{m.group(1)}-{m.group(2)}"
        if cve not in cves:
            cves.append(cve)
    source, version = header["source"], header["version"]
    return {
        "id": f"{binary}/{version}",
        "package": source,
        "binary": binary,
        "version": version,
        "distribution": dists,
        "urgency": urgency,
        "maintainer": trailer["name"].strip(),
        "maintainer_email": trailer["email"].strip(),
        "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "year": date.year,
        "security": any("security" in d.lower() for d in dists) or bool(cves),
        "cves": cves,
        "title": f"{source} {version}",
        "body": body,
    }


def parse_changelog(path, binary, lines, report):
    """Yields the entries of one changelog; calls report(line_no, reason) for each entry (or
    stray text) it cannot parse, once per problem."""
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            i += 1
            continue
        if OLD_CHANGELOG.match(line):
            return
        if EDITOR_BLOCK.match(line):
            return  # editor settings come last; nothing after them is an entry
        header = HEADER.match(line)
        start = i
        i += 1
        if not header:
            report(start + 1, f"not an entry header: {line.strip()[:80]!r}")
            # Skip to the next line that could start an entry.
            while i < n and not HEADER.match(lines[i]) and not OLD_CHANGELOG.match(lines[i]):
                i += 1
            continue
        body = []
        trailer_line = trailer = None
        while i < n:
            if lines[i].startswith(" -- "):
                trailer_line = i
                trailer = TRAILER.match(lines[i])
                i += 1
                break
            if HEADER.match(lines[i]):
                break
            body.append(lines[i])
            i += 1
        if trailer_line is None:
            report(start + 1, f"entry {header['source']} ({header['version']}) has no trailer line")
            continue
        if trailer is None:
            report(trailer_line + 1, f"entry {header['source']} ({header['version']}): "
                   f"bad trailer line {lines[trailer_line].strip()[:80]!r}")
            continue
        try:
            yield make_entry(binary, header, body, trailer)
        except ParseError as e:
            report(start + 1, f"entry {header['source']} ({header['version']}): {e}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("doc_root", nargs="?", default="/usr/share/doc")
    ap.add_argument("--out", default="-", help="JSONL output (default stdout)")
    ap.add_argument("--schema-out", help="also write the trawl schema of the corpus here")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any entry was skipped")
    args = ap.parse_args(argv)

    t0 = time.monotonic()
    if args.schema_out:
        with open(args.schema_out, "w", encoding="utf-8") as f:
            f.write(schema_json())
    paths = sorted(glob.glob(os.path.join(glob.escape(args.doc_root), "*", "changelog.Debian.gz")))
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    files = entries = skipped = renamed = unreadable = 0
    distinct = set()
    for path in paths:
        binary = os.path.basename(os.path.dirname(path))
        try:
            with gzip.open(path, "rb") as f:
                raw = f.read()
        except (OSError, EOFError) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            unreadable += 1
            continue
        files += 1
        lines = [decode(b) for b in raw.split(b"\n")]

        def report(line_no, reason, path=path):
            nonlocal skipped
            skipped += 1
            print(f"{path}:{line_no}: {reason}", file=sys.stderr)

        seen = {}
        for doc in parse_changelog(path, binary, lines, report):
            k = seen.get(doc["version"], 0) + 1
            seen[doc["version"]] = k
            if k > 1:
                doc["id"] += f"#{k}"
                renamed += 1
            entries += 1
            distinct.add((doc["package"], doc["version"]))
            out.write(json.dumps(doc, ensure_ascii=False))
            out.write("\n")
    if out is not sys.stdout:
        out.close()
    print(f"changelog_corpus: files {files}, entries {entries}, skipped {skipped}, "
          f"distinct (package, version) {len(distinct)}, repeated versions renamed {renamed}, "
          f"unreadable files {unreadable}, {time.monotonic() - t0:.1f}s", file=sys.stderr)
    if unreadable or (args.strict and skipped):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
