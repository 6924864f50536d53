// trawl-deadline-bench: how closely a query deadline (SearchOptions::deadline, trawl-search
// --timeout-ms) holds. Runs expensive queries (one-letter prefixes, sloppy phrases, fuzzy and
// wildcard words, a long disjunction, a field sort over everything) against an index, each
// first without a deadline and then under every timeout shorter than its full run, and prints
// per timeout the median and largest overshoot: how long past the deadline the call returned.
// With --partial, the same runs return partial results (SearchOptions::allow_partial), which
// also load their page of hits after the deadline.
//
//   trawl-deadline-bench --index DIR [--timeouts 1,5,10,50,100] [--runs 5] [--partial]
//                        [--query Q]...
//
// Not a test: the numbers depend on the machine and its load (docs/benchmarks.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "trawl/searcher.h"

namespace {

using Clock = std::chrono::steady_clock;

// Expensive for their own reasons on a corpus of English text: dictionary passes, unions of
// many lists, positions of common words, every match scored.
const char* const kDefaultQueries[] = {
    "s*",
    "c* OR p* OR m*",
    "*ing",
    "the~2 OR and~2",
    "\"the of and to in\"~50",
    "\"of the\" OR \"in the\" OR \"to the\" OR \"and the\"",
    "the of and to a in is that for it as was with be by on not he this are or his from at",
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * (v.size() - 1) + 0.5)];
}

struct Args {
  std::string index;
  std::vector<int> timeouts = {1, 5, 10, 50, 100};
  int runs = 5;
  bool partial = false;
  std::vector<std::string> queries;
};

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--index") {
      args->index = value();
    } else if (a == "--timeouts") {
      args->timeouts.clear();
      std::stringstream list(value());
      for (std::string t; std::getline(list, t, ',');) args->timeouts.push_back(std::atoi(t.c_str()));
    } else if (a == "--runs") {
      args->runs = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--partial") {
      args->partial = true;
    } else if (a == "--query") {
      args->queries.push_back(value());
    } else {
      std::cerr << "unknown argument " << a << "\n";
      return false;
    }
  }
  if (args->queries.empty()) args->queries.assign(std::begin(kDefaultQueries), std::end(kDefaultQueries));
  return !args->index.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::cerr << "usage: trawl-deadline-bench --index DIR [--timeouts 1,5,10] [--runs N] "
                 "[--partial] [--query Q]...\n";
    return 1;
  }
  std::unique_ptr<trawl::Searcher> searcher;
  trawl::Status s = trawl::Searcher::Open(args.index, {}, &searcher);
  if (!s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  trawl::SearchOptions base;
  base.limits.max_expansions = 100000000;  // the point is the deadline, not the limits
  base.allow_partial = args.partial;
  std::printf("index %s: %llu documents; %d runs per query and timeout%s\n", args.index.c_str(),
              static_cast<unsigned long long>(searcher->num_docs()), args.runs,
              args.partial ? "; partial results" : "");

  // Per timeout: the overshoots of every run of every query that was stopped.
  std::vector<std::vector<double>> overshoots(args.timeouts.size());
  std::vector<int> completed(args.timeouts.size(), 0);
  for (const std::string& query : args.queries) {
    trawl::SearchResults results;
    const auto start = Clock::now();
    s = searcher->Search(query, base, &results);
    const double full_ms = Ms(Clock::now() - start);
    if (!s.ok()) {
      std::printf("  %-60s %s\n", query.c_str(), s.ToString().c_str());
      continue;
    }
    std::printf("  %-60s full run %8.1f ms, %llu matches\n", query.c_str(), full_ms,
                static_cast<unsigned long long>(results.total));
    std::string worst;  // this query's largest overshoot per timeout
    for (size_t t = 0; t < args.timeouts.size(); ++t) {
      const int timeout = args.timeouts[t];
      if (full_ms < timeout) continue;  // would finish first: nothing to measure
      double query_max = 0;
      for (int run = 0; run < args.runs; ++run) {
        trawl::SearchOptions options = base;
        const auto begin = Clock::now();
        options.deadline = begin + std::chrono::milliseconds(timeout);
        s = searcher->Search(query, options, &results);
        const double took = Ms(Clock::now() - begin);
        const bool stopped = s.IsDeadlineExceeded() || (s.ok() && results.partial);
        if (stopped) {
          overshoots[t].push_back(took - timeout);
          query_max = std::max(query_max, took - timeout);
        } else {
          ++completed[t];
        }
      }
      char cell[64];
      std::snprintf(cell, sizeof cell, " %d:%.1f", timeout, query_max);
      worst += cell;
    }
    std::printf("  %-60s largest overshoot per timeout (ms):%s\n", "", worst.c_str());
  }
  std::printf("\n%10s %8s %10s %16s %16s %16s\n", "timeout", "stopped", "finished",
              "median over ms", "p90 over ms", "max over ms");
  for (size_t t = 0; t < args.timeouts.size(); ++t) {
    std::printf("%7d ms %8zu %10d %16.2f %16.2f %16.2f\n", args.timeouts[t], overshoots[t].size(),
                completed[t], Quantile(overshoots[t], 0.5), Quantile(overshoots[t], 0.9),
                overshoots[t].empty() ? 0.0 : *std::max_element(overshoots[t].begin(), overshoots[t].end()));
  }
  return 0;
}
