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
#include <filesystem>
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

#ifndef TRAWL_VERSION
#define TRAWL_VERSION "unknown"
#endif

namespace {

namespace fs = std::filesystem;
using trawl::bench::Check;
using trawl::bench::DirSize;
using trawl::bench::LoadAvg;
using trawl::bench::NowS;
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
double Median(vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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

int Run(const string& indexdir, const string& qfile, const Options& o) {
  vector<Query> queries;
  {
    std::ifstream in(qfile);
    if (!in) throw std::runtime_error("cannot open " + qfile);
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
  }
  if (o.max_queries && queries.size() > o.max_queries) queries.resize(o.max_queries);
  DeriveTerms(o.derive_terms, &queries);
  const size_t nq = queries.size();
  if (nq == 0) throw std::runtime_error(qfile + ": no queries");
  vector<size_t> order(nq);
  for (size_t i = 0; i < nq; ++i) order[i] = i;
  {
    std::mt19937 g(o.shuffle_seed);
    for (size_t i = nq; i > 1; --i) std::swap(order[i - 1], order[g() % i]);
  }

  std::unique_ptr<trawl::Searcher> searcher;
  trawl::SearcherOptions so;
  so.verify_checksums = false;  // the open is not timed; skip reading every byte
  const double o0 = NowS();
  Check(trawl::Searcher::Open(indexdir, so, &searcher), "open " + indexdir);
  const double open_s = NowS() - o0;

  const size_t nc = o.collectors.size();
  // result[c][q]: the count seen (COUNT / total) or hits; -1 unsupported
  vector<vector<long long>> seen(nc, vector<long long>(nq, 0));
  vector<vector<char>> failed(nc, vector<char>(nq, 0));
  vector<string> first_error(nc);
  trawl::SearchResults res;
  auto run = [&](size_t c, size_t i) {
    if (failed[c][i]) return;
    const Collector& col = o.collectors[c];
    trawl::Status s;
    long long v;
    if (col.top_k == 0) {
      uint64_t n = 0;
      s = searcher->Count(queries[i].text, &n);
      v = static_cast<long long>(n);
    } else {
      trawl::SearchOptions opt;
      opt.top_k = col.top_k;
      opt.load_documents = false;
      opt.exact_total = col.count;
      s = searcher->Search(queries[i].text, opt, &res);
      v = col.count ? static_cast<long long>(res.total) : static_cast<long long>(res.hits.size());
    }
    if (!s.ok()) {
      failed[c][i] = 1;
      if (first_error[c].empty()) first_error[c] = queries[i].text + ": " + s.ToString();
      return;
    }
    seen[c][i] = v;
  };

  const string load_before = LoadAvg();
  const double w0 = NowS();
  int passes = 0;
  while (passes < o.warmup || NowS() - w0 < o.warmup_s) {
    for (size_t c = 0; c < nc; ++c)
      for (size_t i : order) run(c, i);
    ++passes;
  }
  const double warm_s = NowS() - w0;

  vector<vector<vector<double>>> times(nc, vector<vector<double>>(nq)), cpu(nc, vector<vector<double>>(nq));
  const double t0 = NowS();
  for (int r = 0; r < o.reps; ++r)
    for (size_t c = 0; c < nc; ++c)
      for (size_t i : order) {
        const double a = NowS(), ca = ThreadCpuS();
        run(c, i);
        times[c][i].push_back((NowS() - a) * 1e6);
        cpu[c][i].push_back((ThreadCpuS() - ca) * 1e6);
      }
  const double timed_s = NowS() - t0;
  const string load_after = LoadAvg();

  // Count cross-checks.
  size_t mismatches = 0;
  long long ref_c = -1;
  for (size_t c = 0; c < nc; ++c)
    if (o.collectors[c].count) {
      ref_c = static_cast<long long>(c);
      break;
    }
  vector<long long> counts(nq, -1);
  if (ref_c >= 0)
    for (size_t i = 0; i < nq; ++i)
      if (!failed[ref_c][i]) counts[i] = seen[ref_c][i];
  for (size_t i = 0; i < nq && ref_c >= 0; ++i) {
    if (counts[i] < 0) continue;
    for (size_t c = 0; c < nc; ++c) {
      if (failed[c][i]) continue;
      const Collector& col = o.collectors[c];
      const long long want = col.count ? counts[i] : std::min<long long>(col.top_k, counts[i]);
      if (seen[c][i] != want) {
        if (++mismatches <= 20)
          std::printf("MISMATCH %s %s: %lld, expected %lld (count %lld)\n", col.name.c_str(),
                      queries[i].text.c_str(), seen[c][i], want, counts[i]);
      }
    }
  }

  // Per query: min and median.
  vector<vector<double>> qmin(nc, vector<double>(nq)), qmed(nc, vector<double>(nq)),
      qcpu(nc, vector<double>(nq));
  for (size_t c = 0; c < nc; ++c)
    for (size_t i = 0; i < nq; ++i) {
      qmin[c][i] = *std::min_element(times[c][i].begin(), times[c][i].end());
      qmed[c][i] = Median(times[c][i]);
      qcpu[c][i] = Median(cpu[c][i]);
    }

  // Groups: the first tag (class), or every tag; and ALL.
  vector<string> group_names;
  std::map<string, vector<size_t>> groups;
  for (size_t i = 0; i < nq; ++i) {
    const size_t ntags = o.by_tag ? queries[i].tags.size() : 1;
    for (size_t t = 0; t < ntags; ++t) {
      const string& g = queries[i].tags[t];
      if (!groups.count(g)) group_names.push_back(g);
      groups[g].push_back(i);
    }
  }
  if (o.by_tag) std::sort(group_names.begin(), group_names.end());
  group_names.push_back("ALL");
  for (size_t i = 0; i < nq; ++i) groups["ALL"].push_back(i);

  auto stats = [&](size_t c, const vector<size_t>& members) {
    Stats s;
    vector<double> mins, meds, cpus;
    for (size_t i : members) {
      if (failed[c][i]) {
        ++s.unsupported;
        continue;
      }
      mins.push_back(qmin[c][i]);
      meds.push_back(qmed[c][i]);
      cpus.push_back(qcpu[c][i]);
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
  };

  std::printf(
      "trawl %s latency: %s (%llu docs, %.1f MB, opened in %.2fs), %s: %zu queries, collectors", TRAWL_VERSION,
      indexdir.c_str(), static_cast<unsigned long long>(searcher->num_docs()), DirSize(indexdir) / 1e6, open_s,
      qfile.c_str(), nq);
  for (const auto& c : o.collectors) std::printf(" %s", c.name.c_str());
  std::printf(
      "\nwarm-up %d passes in %.1fs; %d timed reps in %.1fs; one thread; times in microseconds; load average "
      "before %s, after %s\n",
      passes, warm_s, o.reps, timed_s, load_before.c_str(), load_after.c_str());
  for (size_t c = 0; c < nc; ++c)
    if (!first_error[c].empty())
      std::printf("%s: unsupported queries, e.g. %s\n", o.collectors[c].name.c_str(), first_error[c].c_str());
  if (ref_c >= 0) std::printf("counts cross-checked between collectors: %zu mismatches\n", mismatches);

  size_t w = 5;
  for (const auto& g : group_names) w = std::max(w, g.size());
  std::printf("\n%-12s  %-*s  %5s %5s  %9s %9s %9s %9s  %9s %9s  %9s %9s\n", "collector", static_cast<int>(w),
              "class", "n", "unsup", "mean", "p50", "p90", "p99", "min:mean", "min:p50", "cpu:mean", "cpu:p50");
  std::printf("%-12s  %-*s  %5s %5s  %9s %9s %9s %9s  %9s %9s  %9s %9s\n", "", static_cast<int>(w), "", "", "",
              "(median", "of R", "per query)", "", "(min", "of R)", "(thread", "CPU)");
  nlohmann::ordered_json jcols = nlohmann::ordered_json::object();
  vector<std::map<string, Stats>> all_stats(nc);
  for (size_t c = 0; c < nc; ++c) {
    nlohmann::ordered_json jc = nlohmann::ordered_json::object();
    for (const auto& g : group_names) {
      const Stats s = stats(c, groups[g]);
      all_stats[c][g] = s;
      std::printf("%-12s  %-*s  %5zu %5zu  %9.1f %9.1f %9.1f %9.1f  %9.1f %9.1f  %9.1f %9.1f\n",
                  o.collectors[c].name.c_str(), static_cast<int>(w), g.c_str(), s.n, s.unsupported, s.mean,
                  s.p50, s.p90, s.p99, s.min_mean, s.min_p50, s.cpu_mean, s.cpu_p50);
      jc[g] = {{"n", s.n},     {"unsupported", s.unsupported}, {"mean_us", s.mean},
               {"p50_us", s.p50}, {"p90_us", s.p90},           {"p99_us", s.p99},
               {"min_mean_us", s.min_mean}, {"min_p50_us", s.min_p50},
               {"cpu_mean_us", s.cpu_mean}, {"cpu_p50_us", s.cpu_p50}};
    }
    jcols[o.collectors[c].name] = jc;
    std::printf("\n");
  }

  // Ratios to TOP_10 measured in this run.
  long long base = -1;
  for (size_t c = 0; c < nc; ++c)
    if (o.collectors[c].name == "TOP_10") base = static_cast<long long>(c);
  if (base >= 0 && nc > 1) {
    std::printf("ratio of mean latency to TOP_10 (same run)\n%-*s", static_cast<int>(w), "class");
    for (size_t c = 0; c < nc; ++c)
      if (static_cast<long long>(c) != base) std::printf(" %12s", o.collectors[c].name.c_str());
    std::printf("\n");
    for (const auto& g : group_names) {
      std::printf("%-*s", static_cast<int>(w), g.c_str());
      const double b = all_stats[base][g].mean;
      for (size_t c = 0; c < nc; ++c)
        if (static_cast<long long>(c) != base) std::printf(" %12.2f", b > 0 ? all_stats[c][g].mean / b : 0.0);
      std::printf("\n");
    }
  }

  if (!o.json.empty()) {
    nlohmann::ordered_json j;
    j["engine"] = "trawl";
    j["version"] = TRAWL_VERSION;
    j["index"] = indexdir;
    j["num_docs"] = searcher->num_docs();
    j["index_bytes"] = DirSize(indexdir);
    j["queries_file"] = qfile;
    j["num_queries"] = nq;
    j["reps"] = o.reps;
    j["warmup_passes"] = passes;
    j["warmup_s"] = warm_s;
    j["mismatches"] = mismatches;
    j["loadavg_before"] = load_before;
    j["loadavg_after"] = load_after;
    j["collectors"] = jcols;
    nlohmann::ordered_json jq = nlohmann::ordered_json::array();
    for (size_t i = 0; i < nq; ++i) {
      nlohmann::ordered_json e = {{"query", queries[i].text}, {"tags", queries[i].tags}, {"count", counts[i]}};
      nlohmann::ordered_json mins = nlohmann::ordered_json::object(), meds = nlohmann::ordered_json::object();
      for (size_t c = 0; c < nc; ++c) {
        if (failed[c][i]) continue;
        mins[o.collectors[c].name] = qmin[c][i];
        meds[o.collectors[c].name] = qmed[c][i];
      }
      e["min_us"] = mins;
      e["median_us"] = meds;
      jq.push_back(std::move(e));
    }
    j["queries"] = std::move(jq);
    std::ofstream f(o.json);
    f << j.dump(1) << "\n";
    if (!f) throw std::runtime_error("cannot write " + o.json);
  }
  if (!o.per_query.empty()) {
    FILE* f = std::fopen(o.per_query.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + o.per_query);
    std::fprintf(f, "#class\tquery\tcount");
    for (const auto& c : o.collectors) std::fprintf(f, "\t%s_min_us\t%s_median_us", c.name.c_str(), c.name.c_str());
    std::fprintf(f, "\n");
    for (size_t i = 0; i < nq; ++i) {
      std::fprintf(f, "%s\t%s\t%lld", queries[i].tags[0].c_str(), queries[i].text.c_str(), counts[i]);
      for (size_t c = 0; c < nc; ++c) {
        if (failed[c][i]) std::fprintf(f, "\t-\t-");
        else std::fprintf(f, "\t%.1f\t%.1f", qmin[c][i], qmed[c][i]);
      }
      std::fprintf(f, "\n");
    }
    std::fclose(f);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: trawl-latency-bench INDEXDIR QUERIES.jsonl [--collectors TOP_10,TOP_100,TOP_1000,COUNT,TOP_10_COUNT]\n"
      "         [--reps R] [--warmup N] [--warmup-s S] [--shuffle-seed K] [--max-queries M] [--by-tag]\n"
      "         [--derive-terms T] [--json FILE] [--per-query FILE.tsv]\n";
  try {
    vector<string> a(argv + 1, argv + argc);
    if (a.size() < 2) {
      std::cerr << usage;
      return 2;
    }
    Options o;
    string cols = "TOP_10,TOP_100,TOP_1000,COUNT,TOP_10_COUNT";
    for (size_t i = 2; i < a.size(); ++i) {
      const bool has = i + 1 < a.size();
      if (a[i] == "--by-tag") o.by_tag = true;
      else if (a[i] == "--collectors" && has) cols = a[++i];
      else if (a[i] == "--reps" && has) o.reps = std::max(1, std::atoi(a[++i].c_str()));
      else if (a[i] == "--warmup" && has) o.warmup = std::atoi(a[++i].c_str());
      else if (a[i] == "--warmup-s" && has) o.warmup_s = std::atof(a[++i].c_str());
      else if (a[i] == "--shuffle-seed" && has) o.shuffle_seed = static_cast<unsigned>(std::atoi(a[++i].c_str()));
      else if (a[i] == "--max-queries" && has) o.max_queries = std::strtoull(a[++i].c_str(), nullptr, 10);
      else if (a[i] == "--json" && has) o.json = a[++i];
      else if (a[i] == "--per-query" && has) o.per_query = a[++i];
      else if (a[i] == "--derive-terms" && has)
        o.derive_terms = std::strtoull(a[++i].c_str(), nullptr, 10);
      else {
        std::cerr << "unknown option " << a[i] << "\n" << usage;
        return 2;
      }
    }
    size_t p = 0;
    while (p <= cols.size()) {
      size_t q = cols.find(',', p);
      if (q == string::npos) q = cols.size();
      if (q > p) o.collectors.push_back(ParseCollector(cols.substr(p, q - p)));
      p = q + 1;
    }
    if (o.collectors.empty()) throw std::runtime_error("no collectors");
    return Run(a[0], a[1], o);
  } catch (const std::exception& e) {
    std::cerr << "trawl-latency-bench: " << e.what() << "\n";
    return 1;
  }
}
