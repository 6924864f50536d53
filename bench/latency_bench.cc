// trawl-latency-bench: query latency in the manner of the search-benchmark-game
// (../shared/data/search-benchmark-game/SOURCE.md), through libtrawl in one process.
//
//   trawl-latency-bench INDEXDIR QUERIES.jsonl [--collectors LIST] [--reps R] [--warmup N]
//                       [--warmup-s S] [--shuffle-seed K] [--max-queries M] [--by-tag]
//                       [--derive-terms T] [--json FILE] [--per-query FILE.tsv]
//
// QUERIES.jsonl: one {"query": ..., "tags": [class, ...]} per line (the game's queries.txt, or
// trawl-gen-corpus --queries). The game's syntax (bare words = OR, +a +b, "a b", +a b, +a -b)
// is trawl's query language, so each query string goes to trawl unchanged; bare words search
// every text field of the index. The game's class intersection_union is what is elsewhere called
// "mixed" (one required word, the others optional).
//
// --derive-terms T adds up to T one-word queries, tagged ["term", "term:derived"]: the game's
// file has a single term query ("the"), too few for a class statistic. They are the distinct
// plain words (a-z only) of the file's queries in order of first appearance, every k-th of them
// so that they spread over the whole file; deterministic for a given file.
//
// Collectors (--collectors, comma-separated; default all, in this order):
//   TOP_10, TOP_100, TOP_1000   Searcher::Search(top_k = N, load_documents = false,
//                               exact_total = false): ranked hits only, as the game's TOP_N
//                               (phrases may then skip documents that cannot make the top N)
//   COUNT                       Searcher::Count (never scores)
//   TOP_10_COUNT                top 10 and the exact count (exact_total = true)
// Every call parses and analyzes the query string: that is part of the time, as in the game
// (where the round trip through a pipe is, too; here there is no pipe).
//
// Protocol: one thread. Queries are shuffled once (seed 2, like the game). Warm-up runs every
// query with every collector for at least --warmup passes (default 1) and --warmup-s seconds
// (default 10). Then R timed repetitions (default 10); in each, every collector runs every
// query. Per query and collector: the median of the R times (on a shared machine the robust
// figure) and the minimum (what the game's web UI uses). Per class (the first tag; --by-tag:
// every tag) and over ALL queries: the mean, p50, p90 and p99 over queries of the per-query
// medians (percentile as the web UI: sorted[round((n - 1) * p)]), and the mean and p50 of the
// per-query minima, to compare with the game's published numbers. The ratio table divides each
// collector's mean by TOP_10's in the same run. Queries that fail (syntax errors)
// are "unsupported" and left out, as in the game. Counts are cross-checked: COUNT, the total of
// TOP_10_COUNT and the number of TOP_N hits (min(N, count)) must agree; disagreements are
// reported as MISMATCH lines.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace {

using trawl::bench::Check;
using trawl::bench::DirSize;
using trawl::bench::LoadAvg;
using trawl::bench::Median;
using trawl::bench::NowS;
using trawl::bench::SplitCommas;
using std::string;
using std::vector;

// This thread's CPU time: on a shared machine wall time also counts the time the thread waited
// for a core, CPU time does not.
double ThreadCpuS() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Query {
  string text;
  vector<string> tags;
};

struct Collector {
  string name;
  size_t top_k = 0;  // 0: COUNT
  bool count = false;
};

Collector ParseCollector(const string& name) {
  if (name == "COUNT") return {name, 0, true};
  if (name == "TOP_10_COUNT") return {name, 10, true};
  if (name.rfind("TOP_", 0) == 0) {
    char* end = nullptr;
    const long k = std::strtol(name.c_str() + 4, &end, 10);
    if (k > 0 && end && *end == '\0') return {name, static_cast<size_t>(k), false};
  }
  throw std::runtime_error("unknown collector " + name + " (TOP_<N>, COUNT, TOP_10_COUNT)");
}

// The game's web UI percentile.
double Pct(const vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(std::llround((sorted.size() - 1) * p))];
}
double Mean(const vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / v.size();
}

struct Stats {
  size_t n = 0, unsupported = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0;  // over per-query medians
  double min_mean = 0, min_p50 = 0;            // over per-query minima
  double cpu_mean = 0, cpu_p50 = 0;            // over per-query medians of thread CPU time
};

struct Options {
  vector<Collector> collectors;
  int reps = 10, warmup = 1;
  double warmup_s = 10;
  unsigned shuffle_seed = 2;
  size_t max_queries = 0;
  size_t derive_terms = 0;
  bool by_tag = false;
  string json, per_query;
};

bool IsWordEnd(char c) { return c == ' ' || c == '"' || c == ')'; }

void DeriveTerms(size_t max_terms, vector<Query>* queries) {
  vector<string> words;
  std::set<string> seen;  // a word that is a query of its own already is not derived again
  for (const Query& q : *queries) seen.insert(q.text);
  for (const Query& q : *queries) {
    const string& t = q.text;
    size_t i = 0;
    while (i < t.size()) {
      // A token starts after a space or an operator; only runs of a-z that end the token count,
      // so "field:word", "w3c" and "a*" give no term.
      while (i < t.size() && (t[i] == ' ' || t[i] == '"' || t[i] == '+' || t[i] == '-' || t[i] == '('))
        ++i;
      size_t j = i;
      while (j < t.size() && t[j] >= 'a' && t[j] <= 'z') ++j;
      if (j > i && (j == t.size() || IsWordEnd(t[j]))) {
        string w = t.substr(i, j - i);
        if (seen.insert(w).second) words.push_back(std::move(w));
      }
      while (j < t.size() && t[j] != ' ') ++j;
      i = j;
    }
  }
  if (words.empty() || max_terms == 0) return;
  const size_t step = std::max<size_t>(1, words.size() / max_terms);
  for (size_t i = 0, added = 0; i < words.size() && added < max_terms; i += step, ++added)
    queries->push_back({words[i], {"term", "term:derived"}});
}

// QUERIES.jsonl, in file order.
vector<Query> ReadQueries(const string& qfile) {
  std::ifstream in(qfile);
  if (!in) throw std::runtime_error("cannot open " + qfile);
  vector<Query> queries;
  string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
      throw std::runtime_error(qfile + ":" + std::to_string(lineno) + ": " + e.what());
    }
    Query q;
    q.text = j.at("query").get<string>();
    if (j.contains("tags"))
      for (const auto& t : j["tags"]) q.tags.push_back(t.get<string>());
    if (q.tags.empty()) q.tags.push_back("untagged");
    queries.push_back(std::move(q));
  }
  return queries;
}

// 0..n-1 in the order the game runs its queries: shuffled once with a fixed seed.
vector<size_t> ShuffledOrder(size_t n, unsigned seed) {
  vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937 g(seed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[g() % i]);
  return order;
}

// Runs the queries with the collectors and keeps, per collector c and query i, what came out
// and how long each timed run took.
class QueryTimer {
 public:
  QueryTimer(const trawl::Searcher& searcher, const vector<Query>& queries,
             const vector<Collector>& collectors)
      : seen(collectors.size(), vector<long long>(queries.size(), 0)),
        failed(collectors.size(), vector<char>(queries.size(), 0)),
        first_error(collectors.size()),
        times(collectors.size(), vector<vector<double>>(queries.size())),
        cpu(collectors.size(), vector<vector<double>>(queries.size())),
        searcher_(searcher),
        queries_(queries),
        collectors_(collectors) {}

  // Every query with every collector, for at least `min_passes` passes and `min_s` seconds.
  // Returns the number of passes.
  int WarmUp(const vector<size_t>& order, int min_passes, double min_s) {
    const double w0 = NowS();
    int passes = 0;
    while (passes < min_passes || NowS() - w0 < min_s) {
      for (size_t c = 0; c < collectors_.size(); ++c)
        for (size_t i : order) Run(c, i);
      ++passes;
    }
    return passes;
  }

  void TimeReps(const vector<size_t>& order, int reps) {
    for (int r = 0; r < reps; ++r)
      for (size_t c = 0; c < collectors_.size(); ++c)
        for (size_t i : order) {
          const double a = NowS(), ca = ThreadCpuS();
          Run(c, i);
          times[c][i].push_back((NowS() - a) * 1e6);
          cpu[c][i].push_back((ThreadCpuS() - ca) * 1e6);
        }
  }

  // [c][i]: the count (COUNT, TOP_10_COUNT's total) or the number of TOP_N hits.
  vector<vector<long long>> seen;
  // [c][i]: the query failed (unsupported) the first time it ran; it is not run again.
  vector<vector<char>> failed;
  vector<string> first_error;  // [c]: an example of an unsupported query
  // [c][i]: wall and thread CPU time of each timed run, microseconds.
  vector<vector<vector<double>>> times, cpu;

 private:
  void Run(size_t c, size_t i) {
    if (failed[c][i]) return;
    const Collector& col = collectors_[c];
    trawl::Status s;
    long long v;
    if (col.top_k == 0) {
      uint64_t n = 0;
      s = searcher_.Count(queries_[i].text, &n);
      v = static_cast<long long>(n);
    } else {
      trawl::SearchOptions opt;
      opt.top_k = col.top_k;
      opt.load_documents = false;
      opt.exact_total = col.count;
      s = searcher_.Search(queries_[i].text, opt, &res_);
      v = col.count ? static_cast<long long>(res_.total) : static_cast<long long>(res_.hits.size());
    }
    if (!s.ok()) {
      failed[c][i] = 1;
      if (first_error[c].empty()) first_error[c] = queries_[i].text + ": " + s.ToString();
      return;
    }
    seen[c][i] = v;
  }

  const trawl::Searcher& searcher_;
  const vector<Query>& queries_;
  const vector<Collector>& collectors_;
  trawl::SearchResults res_;  // reused, as a server would
};

// The counts of the collectors against each other: the first counting collector's count is the
// reference; a TOP_N must have min(N, count) hits.
struct CountCheck {
  long long ref_c = -1;           // the reference collector, -1: none counts
  vector<long long> counts;       // [i]: the reference count, -1: unknown
  size_t mismatches = 0;
};

CountCheck CrossCheckCounts(const vector<Collector>& collectors, const vector<Query>& queries,
                            const QueryTimer& t) {
  const size_t nc = collectors.size(), nq = queries.size();
  CountCheck check;
  check.counts.assign(nq, -1);
  for (size_t c = 0; c < nc; ++c)
    if (collectors[c].count) {
      check.ref_c = static_cast<long long>(c);
      break;
    }
  if (check.ref_c < 0) return check;
  for (size_t i = 0; i < nq; ++i)
    if (!t.failed[check.ref_c][i]) check.counts[i] = t.seen[check.ref_c][i];
  for (size_t i = 0; i < nq; ++i) {
    const long long count = check.counts[i];
    if (count < 0) continue;
    for (size_t c = 0; c < nc; ++c) {
      if (t.failed[c][i]) continue;
      const Collector& col = collectors[c];
      const long long want = col.count ? count : std::min<long long>(col.top_k, count);
      if (t.seen[c][i] != want && ++check.mismatches <= 20)
        std::printf("MISMATCH %s %s: %lld, expected %lld (count %lld)\n", col.name.c_str(),
                    queries[i].text.c_str(), t.seen[c][i], want, count);
    }
  }
  return check;
}

// Per collector c and query i, over the timed runs: the minimum and median wall time and the
// median thread CPU time.
struct PerQuery {
  vector<vector<double>> min, median, cpu;
};

PerQuery SummarizePerQuery(const QueryTimer& t) {
  const size_t nc = t.times.size(), nq = nc ? t.times[0].size() : 0;
  PerQuery pq;
  pq.min.assign(nc, vector<double>(nq));
  pq.median.assign(nc, vector<double>(nq));
  pq.cpu.assign(nc, vector<double>(nq));
  for (size_t c = 0; c < nc; ++c)
    for (size_t i = 0; i < nq; ++i) {
      pq.min[c][i] = *std::min_element(t.times[c][i].begin(), t.times[c][i].end());
      pq.median[c][i] = Median(t.times[c][i]);
      pq.cpu[c][i] = Median(t.cpu[c][i]);
    }
  return pq;
}

// The groups the tables have a row for: the first tag (class) of each query, or with --by-tag
// every tag (sorted); then ALL.
struct Groups {
  vector<string> names;
  std::map<string, vector<size_t>> members;
};

Groups GroupQueries(const vector<Query>& queries, bool by_tag) {
  Groups groups;
  for (size_t i = 0; i < queries.size(); ++i) {
    const size_t ntags = by_tag ? queries[i].tags.size() : 1;
    for (size_t t = 0; t < ntags; ++t) {
      const string& g = queries[i].tags[t];
      if (!groups.members.count(g)) groups.names.push_back(g);
      groups.members[g].push_back(i);
    }
  }
  if (by_tag) std::sort(groups.names.begin(), groups.names.end());
  groups.names.push_back("ALL");
  for (size_t i = 0; i < queries.size(); ++i) groups.members["ALL"].push_back(i);
  return groups;
}

Stats GroupStats(const PerQuery& pq, const vector<vector<char>>& failed, size_t c,
                 const vector<size_t>& members) {
  Stats s;
  vector<double> mins, meds, cpus;
  for (size_t i : members) {
    if (failed[c][i]) {
      ++s.unsupported;
      continue;
    }
    mins.push_back(pq.min[c][i]);
    meds.push_back(pq.median[c][i]);
    cpus.push_back(pq.cpu[c][i]);
  }
  std::sort(mins.begin(), mins.end());
  std::sort(meds.begin(), meds.end());
  std::sort(cpus.begin(), cpus.end());
  s.cpu_mean = Mean(cpus);
  s.cpu_p50 = Pct(cpus, 0.5);
  s.n = meds.size();
  s.mean = Mean(meds);
  s.p50 = Pct(meds, 0.5);
  s.p90 = Pct(meds, 0.9);
  s.p99 = Pct(meds, 0.99);
  s.min_mean = Mean(mins);
  s.min_p50 = Pct(mins, 0.5);
  return s;
}

// Everything a report says about one run besides the statistics.
struct RunInfo {
  string indexdir, qfile;
  uint64_t num_docs = 0;
  size_t num_queries = 0;
  double open_s = 0, warm_s = 0, timed_s = 0;
  int passes = 0;
  string load_before, load_after;
};

void PrintHeader(const RunInfo& run, const Options& o, const QueryTimer& t,
                 const CountCheck& check) {
  std::printf(
      "trawl %s latency: %s (%llu docs, %.1f MB, opened in %.2fs), %s: %zu queries, collectors", TRAWL_VERSION,
      run.indexdir.c_str(), static_cast<unsigned long long>(run.num_docs), DirSize(run.indexdir) / 1e6,
      run.open_s, run.qfile.c_str(), run.num_queries);
  for (const auto& c : o.collectors) std::printf(" %s", c.name.c_str());
  std::printf(
      "\nwarm-up %d passes in %.1fs; %d timed reps in %.1fs; one thread; times in microseconds; load average "
      "before %s, after %s\n",
      run.passes, run.warm_s, o.reps, run.timed_s, run.load_before.c_str(), run.load_after.c_str());
  for (size_t c = 0; c < o.collectors.size(); ++c)
    if (!t.first_error[c].empty())
      std::printf("%s: unsupported queries, e.g. %s\n", o.collectors[c].name.c_str(), t.first_error[c].c_str());
  if (check.ref_c >= 0) std::printf("counts cross-checked between collectors: %zu mismatches\n", check.mismatches);
}

// [c][group]
using StatsTable = vector<std::map<string, Stats>>;

void PrintStatsTable(const vector<Collector>& collectors, const Groups& groups,
                     const StatsTable& stats, int w) {
  std::printf("\n%-12s  %-*s  %5s %5s  %9s %9s %9s %9s  %9s %9s  %9s %9s\n", "collector", w, "class", "n",
              "unsup", "mean", "p50", "p90", "p99", "min:mean", "min:p50", "cpu:mean", "cpu:p50");
  std::printf("%-12s  %-*s  %5s %5s  %9s %9s %9s %9s  %9s %9s  %9s %9s\n", "", w, "", "", "", "(median", "of R",
              "per query)", "", "(min", "of R)", "(thread", "CPU)");
  for (size_t c = 0; c < collectors.size(); ++c) {
    for (const auto& g : groups.names) {
      const Stats& s = stats[c].at(g);
      std::printf("%-12s  %-*s  %5zu %5zu  %9.1f %9.1f %9.1f %9.1f  %9.1f %9.1f  %9.1f %9.1f\n",
                  collectors[c].name.c_str(), w, g.c_str(), s.n, s.unsupported, s.mean, s.p50, s.p90, s.p99,
                  s.min_mean, s.min_p50, s.cpu_mean, s.cpu_p50);
    }
    std::printf("\n");
  }
}

// Ratios to TOP_10 measured in this run.
void PrintRatiosToTop10(const vector<Collector>& collectors, const Groups& groups,
                        const StatsTable& stats, int w) {
  const size_t nc = collectors.size();
  long long base = -1;
  for (size_t c = 0; c < nc; ++c)
    if (collectors[c].name == "TOP_10") base = static_cast<long long>(c);
  if (base < 0 || nc <= 1) return;
  std::printf("ratio of mean latency to TOP_10 (same run)\n%-*s", w, "class");
  for (size_t c = 0; c < nc; ++c)
    if (static_cast<long long>(c) != base) std::printf(" %12s", collectors[c].name.c_str());
  std::printf("\n");
  for (const auto& g : groups.names) {
    std::printf("%-*s", w, g.c_str());
    const double b = stats[base].at(g).mean;
    for (size_t c = 0; c < nc; ++c)
      if (static_cast<long long>(c) != base) std::printf(" %12.2f", b > 0 ? stats[c].at(g).mean / b : 0.0);
    std::printf("\n");
  }
}

void WriteJson(const string& file, const RunInfo& run, const Options& o, const vector<Query>& queries,
               const Groups& groups, const StatsTable& stats, const CountCheck& check,
               const PerQuery& pq, const QueryTimer& t) {
  using Json = nlohmann::ordered_json;
  Json jcols = Json::object();
  for (size_t c = 0; c < o.collectors.size(); ++c) {
    Json jc = Json::object();
    for (const auto& g : groups.names) {
      const Stats& s = stats[c].at(g);
      jc[g] = {{"n", s.n},     {"unsupported", s.unsupported}, {"mean_us", s.mean},
               {"p50_us", s.p50}, {"p90_us", s.p90},           {"p99_us", s.p99},
               {"min_mean_us", s.min_mean}, {"min_p50_us", s.min_p50},
               {"cpu_mean_us", s.cpu_mean}, {"cpu_p50_us", s.cpu_p50}};
    }
    jcols[o.collectors[c].name] = jc;
  }
  Json j;
  j["engine"] = "trawl";
  j["version"] = TRAWL_VERSION;
  j["index"] = run.indexdir;
  j["num_docs"] = run.num_docs;
  j["index_bytes"] = DirSize(run.indexdir);
  j["queries_file"] = run.qfile;
  j["num_queries"] = run.num_queries;
  j["reps"] = o.reps;
  j["warmup_passes"] = run.passes;
  j["warmup_s"] = run.warm_s;
  j["mismatches"] = check.mismatches;
  j["loadavg_before"] = run.load_before;
  j["loadavg_after"] = run.load_after;
  j["collectors"] = jcols;
  Json jq = Json::array();
  for (size_t i = 0; i < queries.size(); ++i) {
    Json e = {{"query", queries[i].text}, {"tags", queries[i].tags}, {"count", check.counts[i]}};
    Json mins = Json::object(), meds = Json::object();
    for (size_t c = 0; c < o.collectors.size(); ++c) {
      if (t.failed[c][i]) continue;
      mins[o.collectors[c].name] = pq.min[c][i];
      meds[o.collectors[c].name] = pq.median[c][i];
    }
    e["min_us"] = mins;
    e["median_us"] = meds;
    jq.push_back(std::move(e));
  }
  j["queries"] = std::move(jq);
  std::ofstream f(file);
  f << j.dump(1) << "\n";
  if (!f) throw std::runtime_error("cannot write " + file);
}

void WritePerQueryTsv(const string& file, const vector<Collector>& collectors, const vector<Query>& queries,
                      const CountCheck& check, const PerQuery& pq, const QueryTimer& t) {
  FILE* f = std::fopen(file.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + file);
  std::fprintf(f, "#class\tquery\tcount");
  for (const auto& c : collectors) std::fprintf(f, "\t%s_min_us\t%s_median_us", c.name.c_str(), c.name.c_str());
  std::fprintf(f, "\n");
  for (size_t i = 0; i < queries.size(); ++i) {
    std::fprintf(f, "%s\t%s\t%lld", queries[i].tags[0].c_str(), queries[i].text.c_str(), check.counts[i]);
    for (size_t c = 0; c < collectors.size(); ++c) {
      if (t.failed[c][i]) std::fprintf(f, "\t-\t-");
      else std::fprintf(f, "\t%.1f\t%.1f", pq.min[c][i], pq.median[c][i]);
    }
    std::fprintf(f, "\n");
  }
  std::fclose(f);
}

int Run(const string& indexdir, const string& qfile, const Options& o) {
  vector<Query> queries = ReadQueries(qfile);
  if (o.max_queries && queries.size() > o.max_queries) queries.resize(o.max_queries);
  DeriveTerms(o.derive_terms, &queries);
  if (queries.empty()) throw std::runtime_error(qfile + ": no queries");
  const vector<size_t> order = ShuffledOrder(queries.size(), o.shuffle_seed);
  RunInfo run;
  run.indexdir = indexdir;
  run.qfile = qfile;
  run.num_queries = queries.size();

  std::unique_ptr<trawl::Searcher> searcher;
  trawl::SearcherOptions so;
  so.verify_checksums = false;  // the open is not timed; skip reading every byte
  const double o0 = NowS();
  Check(trawl::Searcher::Open(indexdir, so, &searcher), "open " + indexdir);
  run.open_s = NowS() - o0;
  run.num_docs = searcher->num_docs();

  QueryTimer timer(*searcher, queries, o.collectors);
  run.load_before = LoadAvg();
  const double w0 = NowS();
  run.passes = timer.WarmUp(order, o.warmup, o.warmup_s);
  run.warm_s = NowS() - w0;
  const double t0 = NowS();
  timer.TimeReps(order, o.reps);
  run.timed_s = NowS() - t0;
  run.load_after = LoadAvg();

  const CountCheck check = CrossCheckCounts(o.collectors, queries, timer);
  const PerQuery pq = SummarizePerQuery(timer);
  const Groups groups = GroupQueries(queries, o.by_tag);
  StatsTable stats(o.collectors.size());
  for (size_t c = 0; c < o.collectors.size(); ++c)
    for (const auto& g : groups.names) stats[c][g] = GroupStats(pq, timer.failed, c, groups.members.at(g));

  PrintHeader(run, o, timer, check);
  size_t w = 5;
  for (const auto& g : groups.names) w = std::max(w, g.size());
  PrintStatsTable(o.collectors, groups, stats, static_cast<int>(w));
  PrintRatiosToTop10(o.collectors, groups, stats, static_cast<int>(w));
  if (!o.json.empty()) WriteJson(o.json, run, o, queries, groups, stats, check, pq, timer);
  if (!o.per_query.empty()) WritePerQueryTsv(o.per_query, o.collectors, queries, check, pq, timer);
  return 0;
}

const char kUsage[] =
    "usage: trawl-latency-bench INDEXDIR QUERIES.jsonl [--collectors TOP_10,TOP_100,TOP_1000,COUNT,TOP_10_COUNT]\n"
    "         [--reps R] [--warmup N] [--warmup-s S] [--shuffle-seed K] [--max-queries M] [--by-tag]\n"
    "         [--derive-terms T] [--json FILE] [--per-query FILE.tsv]\n";

// The options after INDEXDIR and QUERIES into *o; false (after saying why) if one is unknown.
bool ParseOptions(const vector<string>& a, Options* o) {
  string cols = "TOP_10,TOP_100,TOP_1000,COUNT,TOP_10_COUNT";
  for (size_t i = 2; i < a.size(); ++i) {
    const bool has = i + 1 < a.size();
    if (a[i] == "--by-tag") o->by_tag = true;
    else if (a[i] == "--collectors" && has) cols = a[++i];
    else if (a[i] == "--reps" && has) o->reps = std::max(1, std::atoi(a[++i].c_str()));
    else if (a[i] == "--warmup" && has) o->warmup = std::atoi(a[++i].c_str());
    else if (a[i] == "--warmup-s" && has) o->warmup_s = std::atof(a[++i].c_str());
    else if (a[i] == "--shuffle-seed" && has) o->shuffle_seed = static_cast<unsigned>(std::atoi(a[++i].c_str()));
    else if (a[i] == "--max-queries" && has) o->max_queries = std::strtoull(a[++i].c_str(), nullptr, 10);
    else if (a[i] == "--json" && has) o->json = a[++i];
    else if (a[i] == "--per-query" && has) o->per_query = a[++i];
    else if (a[i] == "--derive-terms" && has) o->derive_terms = std::strtoull(a[++i].c_str(), nullptr, 10);
    else {
      std::cerr << "unknown option " << a[i] << "\n" << kUsage;
      return false;
    }
  }
  for (const string& name : SplitCommas(cols)) o->collectors.push_back(ParseCollector(name));
  if (o->collectors.empty()) throw std::runtime_error("no collectors");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const vector<string> a(argv + 1, argv + argc);
    if (a.size() < 2) {
      std::cerr << kUsage;
      return 2;
    }
    Options o;
    if (!ParseOptions(a, &o)) return 2;
    return Run(a[0], a[1], o);
  } catch (const std::exception& e) {
    std::cerr << "trawl-latency-bench: " << e.what() << "\n";
    return 1;
  }
}
