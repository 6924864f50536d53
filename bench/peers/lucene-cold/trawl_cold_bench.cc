// trawl-cold-bench: one start of a fresh process on an index: how long opening it takes and its
// first queries, measured as LuceneColdBench.java beside it measures Lucene's (run.py runs both,
// evicting the index from the page cache before each start).
//
//   trawl-cold-bench INDEXDIR QUERIES.tsv FIRST [NEXT...] [--repeat R] [--field F] [--warm-on DIR]
//
// QUERIES.tsv: a peers query file; FIRST and NEXT are query numbers in it (0-based over its
// `class<TAB>words` lines). Reading the file is not timed. Then, each step timed alone on the
// monotonic clock (std::chrono::steady_clock):
//   open     Searcher::Open (default options: sizes, headers, footers and the small files'
//            checksums are checked, nothing else is read)
//   query    query FIRST R times (default 3): the first is the cold one, the others show what it
//            costs once its pages are in memory; then each NEXT once (other words: their
//            postings are still on disk, what the first query loaded is not)
// A query is Search(top_k 10, load_documents false, exact_total false), the peers' top10, with
// the words prefixed `F:` (default `text`, the peers adapter's field), from the query string to
// the docids: parsing and analyzing the words is part of it, as building the Query is part of
// Lucene's.
//
// --warm-on DIR first opens another index and runs every query of the file on it once (step
// `prewarm`), so that what is cold is the index alone and not the process (code, allocator):
// a server opening a new index, not a server starting.
//
// Also reported: the time from the launch to main() when the environment has COLD_LAUNCH_NS
// (CLOCK_REALTIME nanoseconds taken by the launcher just before it started this process), and
// per step the process CPU time (all threads), the major page faults (/proc/self/stat) and bytes read from storage
// (/proc/self/io read_bytes), which say whether the step went to the disk. Lines starting with
// '@' are for run.py.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace {

using std::string;
using std::vector;
using trawl::bench::Check;

// Major page faults of this process so far (field 12 of /proc/self/stat).
long long MajorFaults() {
  std::ifstream f("/proc/self/stat");
  string stat;
  std::getline(f, stat);
  const size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == string::npos) return -1;
  std::istringstream rest(stat.substr(paren + 2));
  string field;
  for (int i = 3; i <= 12 && rest >> field; ++i) {
  }
  return std::atoll(field.c_str());
}

// Bytes this process has caused to be read from storage (-1 where the kernel does not count).
long long ReadBytes() {
  std::ifstream f("/proc/self/io");
  string key;
  long long value = 0;
  while (f >> key >> value) {
    if (key == "read_bytes:") return value;
  }
  return -1;
}

double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

struct Probe {
  std::chrono::steady_clock::time_point t;
  double cpu_ms;
  long long faults, bytes;
  static Probe Now() { return {std::chrono::steady_clock::now(), ProcessCpuMs(), MajorFaults(), ReadBytes()}; }
};

void Report(const char* step, int n, const string& extra, const Probe& a, const Probe& b) {
  std::printf("@cold engine=trawl step=%s n=%d ms=%.3f cpu_ms=%.3f major_faults=%lld read_bytes=%lld%s\n", step,
              n, std::chrono::duration<double, std::milli>(b.t - a.t).count(), b.cpu_ms - a.cpu_ms,
              b.faults - a.faults, b.bytes - a.bytes, extra.c_str());
}

int Run(int argc, char** argv) {
  timespec entered{};
  clock_gettime(CLOCK_REALTIME, &entered);
  vector<string> positional;
  int repeat = 3;
  string field = "text", warm_on;
  for (int i = 1; i < argc; ++i) {
    const string a = argv[i];
    if (a == "--warm-on" && i + 1 < argc) {
      warm_on = argv[++i];
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--field" && i + 1 < argc) {
      field = argv[++i];
    } else if (a.rfind("--", 0) == 0) {
      throw std::runtime_error("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() < 3) {
    throw std::runtime_error("usage: trawl-cold-bench INDEXDIR QUERIES.tsv FIRST [NEXT...] [--repeat R] [--field F] "
                             "[--warm-on DIR]");
  }
  if (const char* launch = std::getenv("COLD_LAUNCH_NS")) {
    const double ns = static_cast<double>(entered.tv_sec) * 1e9 + static_cast<double>(entered.tv_nsec) -
                      std::atof(launch);
    std::printf("@cold engine=trawl step=launch n=0 ms=%.3f\n", ns / 1e6);
  }
  const vector<trawl::bench::PeerQuery> all =
      trawl::bench::ReadPeerQueryFile(positional[1], field.empty() ? "" : field + ":");
  vector<size_t> plan;  // query numbers in the order they run
  for (size_t i = 2; i < positional.size(); ++i) {
    const size_t q = static_cast<size_t>(std::atoll(positional[i].c_str()));
    if (q >= all.size()) throw std::runtime_error("no query " + positional[i] + " in " + positional[1]);
    for (int r = 0; r < (i == 2 ? repeat : 1); ++r) plan.push_back(q);
  }

  trawl::SearchOptions top10;
  top10.top_k = 10;
  top10.load_documents = false;
  top10.exact_total = false;
  trawl::SearchResults results;
  if (!warm_on.empty()) {
    const Probe a = Probe::Now();
    std::unique_ptr<trawl::Searcher> other;
    Check(trawl::Searcher::Open(warm_on, trawl::SearcherOptions(), &other), "open " + warm_on);
    for (const trawl::bench::PeerQuery& q : all) {
      if (!q.query.empty()) Check(other->Search(q.query, top10, &results), "query " + q.query);
    }
    Report("prewarm", 0, "", a, Probe::Now());
  }

  const Probe before_open = Probe::Now();
  std::unique_ptr<trawl::Searcher> searcher;
  Check(trawl::Searcher::Open(positional[0], trawl::SearcherOptions(), &searcher), "open " + positional[0]);
  Report("open", 0, "", before_open, Probe::Now());
  for (size_t k = 0; k < plan.size(); ++k) {
    const trawl::bench::PeerQuery& q = all[plan[k]];
    const Probe a = Probe::Now();
    if (!q.query.empty()) Check(searcher->Search(q.query, top10, &results), "query " + q.query);
    const Probe b = Probe::Now();
    char extra[256];
    std::snprintf(extra, sizeof extra, " qno=%zu class=%s hits=%zu top_score=%.4f", plan[k], q.cls.c_str(),
                  q.query.empty() ? size_t{0} : results.hits.size(),
                  q.query.empty() || results.hits.empty() ? 0.0 : results.hits[0].score);
    Report("query", static_cast<int>(k + 1), extra, a, b);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "trawl-cold-bench: " << e.what() << "\n";
    return 2;
  }
}
