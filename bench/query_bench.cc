// Query latency of one query set under one set of ranking options, for comparing options
// (e.g. term proximity on and off) on the same index.
//
//   trawl-query-bench INDEXDIR QUERIES.txt [--reps R] [--top K] [--plain] [--proximity W]
//                     [--proximity-window N] [--bm25f] [--exact-total] [--count] [--per-query]
//
// QUERIES.txt holds one query a line. Every query runs once to warm the page cache, then R
// timed passes (default 5) run the whole set; a query's time is its median over the passes.
// Search only: top K (default 10) with load_documents off, so stored documents and snippets,
// which no ranking option changes, do not dilute the difference. The total is not counted
// (exact_total off, as the latency benchmark's TOP_N) unless --exact-total. Prints the median and
// mean over queries of the per-query medians, in microseconds, and the sum of all top-K scores (a
// check that two runs ranked what they were meant to); --per-query also prints each query's
// median and its query. --count times Searcher::Count instead of Search (the peers' COUNT), and
// the sum of the counts replaces the score sum.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "trawl/searcher.h"

namespace {

int Usage() {
  std::cerr << "usage: trawl-query-bench INDEXDIR QUERIES.txt [--reps R] [--top K] [--plain] "
               "[--proximity W] [--proximity-window N] [--bm25f] [--exact-total] [--count] "
               "[--per-query]\n";
  return 2;
}

struct Options {
  trawl::SearchOptions search;
  int reps = 5;
  bool per_query = false;
  bool count = false;
};

// The options after INDEXDIR and QUERIES.txt into *o; false if one is unknown or bad.
bool ParseOptions(int argc, char** argv, Options* o) {
  o->search.load_documents = false;
  o->search.exact_total = false;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--reps" && has_value) {
      o->reps = std::atoi(argv[++i]);
    } else if (arg == "--top" && has_value) {
      o->search.top_k = std::strtoul(argv[++i], nullptr, 10);
    } else if (arg == "--plain") {
      o->search.plain_text = true;
    } else if (arg == "--proximity" && has_value) {
      o->search.proximity = std::atof(argv[++i]);
    } else if (arg == "--proximity-window" && has_value) {
      o->search.proximity_window = static_cast<uint32_t>(std::atoi(argv[++i]));
    } else if (arg == "--per-query") {
      o->per_query = true;
    } else if (arg == "--exact-total") {
      o->search.exact_total = true;
    } else if (arg == "--count") {
      o->count = true;
    } else if (arg == "--bm25f") {
      o->search.bm25f = true;
    } else {
      return false;
    }
  }
  return o->reps >= 1;
}

// Pass 0 warms up and sums the scores (or counts); passes 1..reps are timed. Returns false
// (after saying why) if a query fails; *times gets, per query, the microseconds of each pass.
bool TimeQueries(const trawl::Searcher& searcher, const std::vector<std::string>& queries,
                 const Options& o, std::vector<std::vector<double>>* times, double* score_sum) {
  times->assign(queries.size(), {});
  for (int pass = 0; pass <= o.reps; ++pass) {
    for (size_t q = 0; q < queries.size(); ++q) {
      trawl::SearchResults results;
      uint64_t matches = 0;
      const auto start = std::chrono::steady_clock::now();
      const trawl::Status s = o.count ? searcher.Count(queries[q], &matches)
                                      : searcher.Search(queries[q], o.search, &results);
      const auto end = std::chrono::steady_clock::now();
      if (!s.ok()) {
        std::cerr << "trawl-query-bench: " << queries[q] << ": " << s.ToString() << "\n";
        return false;
      }
      if (pass == 0) {
        for (const auto& h : results.hits) *score_sum += h.score;
        *score_sum += static_cast<double>(matches);
      } else {
        (*times)[q].push_back(std::chrono::duration<double, std::micro>(end - start).count());
      }
    }
  }
  return true;
}

void PrintSummary(const std::vector<std::string>& queries, std::vector<std::vector<double>> times,
                  const Options& o, double score_sum) {
  std::vector<double> medians;
  for (size_t q = 0; q < queries.size(); ++q) {
    std::sort(times[q].begin(), times[q].end());
    medians.push_back(times[q][times[q].size() / 2]);
    if (o.per_query) std::cout << medians.back() << "\t" << queries[q] << "\n";
  }
  double mean = 0;
  for (double m : medians) mean += m;
  mean /= medians.size();
  std::sort(medians.begin(), medians.end());
  std::cout << "queries " << queries.size() << " reps " << o.reps << " median_us "
            << medians[medians.size() / 2] << " mean_us " << mean << " p90_us "
            << medians[medians.size() * 9 / 10] << (o.count ? " count_sum " : " score_sum ")
            << score_sum << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string index_dir = argv[1], queries_file = argv[2];
  Options o;
  if (!ParseOptions(argc, argv, &o)) return Usage();

  std::vector<std::string> queries;
  std::ifstream in(queries_file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) queries.push_back(line);
  if (queries.empty()) {
    std::cerr << "trawl-query-bench: no queries in " << queries_file << "\n";
    return 1;
  }
  std::unique_ptr<trawl::Searcher> searcher;
  const trawl::Status s = trawl::Searcher::Open(index_dir, {}, &searcher);
  if (!s.ok()) {
    std::cerr << "trawl-query-bench: " << s.ToString() << "\n";
    return 1;
  }
  std::vector<std::vector<double>> times;
  double score_sum = 0;
  if (!TimeQueries(*searcher, queries, o, &times, &score_sum)) return 1;
  PrintSummary(queries, std::move(times), o, score_sum);
  return 0;
}
