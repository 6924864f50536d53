#!/usr/bin/env python3
"""Prints the queries of a peers JSONL query file URL-encoded, one per line, for queries.lua.

Shuffled with a fixed seed: the file is grouped by query class, and a short run covers only part.
"""
import json
import random
import sys
import urllib.parse

queries = [json.loads(line)["query"] for line in open(sys.argv[1])]
random.Random(1).shuffle(queries)
for q in queries:
    print(urllib.parse.quote(q, safe=""))
