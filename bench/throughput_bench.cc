// trawl-throughput-bench: queries per second on one shared trawl::Searcher from several threads
// at once (the Searcher is documented as safe to share: include/trawl/searcher.h).
//
//   trawl-throughput-bench INDEXDIR QUERIES.tsv [--threads 1,2] [--seconds S] [--rounds R]
//                          [--warmup-s W] [--field F]
//
// QUERIES.tsv: a peers query file (../shared/tools/peers/queries.py), each line translated by
// bench_util.h's PeerClassQuery with every word prefixed `F:` (default `text`, the one field of
// the peers adapter's index, bench/peers/trawl; `--field ''` searches the default fields).
//
// Modes: top10 (Search, top_k 10, load_documents and exact_total false, as the peers' top10) and
// count (Count). A phase is one mode over one query set (one class, or ALL the queries) on T
// threads for S seconds (default 3): every thread runs the set's queries round and round, thread
// k starting at query k*n/T, until told to stop; the query in flight then finishes and counts.
// Queries/s = queries done / wall time from the start signal to the last thread's end. The
// process CPU time of the phase (CLOCK_PROCESS_CPUTIME_ID; the main thread only sleeps) says how
// many cores the threads actually had: on a shared machine, 2 threads on a core another process
// holds cannot scale, and queries per CPU second then tell whether they slowed each other down.
//
// Protocol: one pass of every query single-threaded records the reference answers (top-10 docids
// and counts); warm-up runs every query in both modes on the largest thread count for at least W
// seconds (default 5); then R rounds (default 3), each running every (mode, set) with every thread
// count back to back, so the load of the moment falls on all thread counts alike. Reported: per
// mode, set and thread count the median over the rounds of queries/s and of CPU cores used, the
// queries per CPU second, and the ratio of each thread count to the first. Every answer given
// during the timed phases is compared with the reference: a difference is reported and the
// program exits 1. Lines starting with '@' are for machines.
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <latch>
#include <map>
#include <tuple>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/bench_util.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace {

using std::string;
using std::vector;
using trawl::bench::Check;
using trawl::bench::LoadAvg;
using trawl::bench::Median;
using trawl::bench::NowS;

struct Options {
  string indexdir, qfile;
  string field = "text";
  vector<int> threads = {1, 2};
  double seconds = 3;
  int rounds = 3;
  double warmup_s = 5;
};

enum class Mode { kTop10, kCount };
const char* ModeName(Mode m) { return m == Mode::kTop10 ? "top10" : "count"; }

double ProcessCpuS() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A query with the answers a single-threaded pass gave.
struct RefQuery {
  string cls, query;
  vector<std::pair<uint32_t, uint32_t>> top;  // (segment, docid) of the top 10
  uint64_t count = 0;
};

trawl::SearchOptions Top10Options() {
  trawl::SearchOptions o;
  o.top_k = 10;
  o.load_documents = false;
  o.exact_total = false;
  return o;
}

vector<std::pair<uint32_t, uint32_t>> Docids(const trawl::SearchResults& r) {
  vector<std::pair<uint32_t, uint32_t>> ids;
  for (const trawl::Hit& h : r.hits) ids.emplace_back(h.segment, h.docid);
  return ids;
}

// Runs one query in one mode; false if the answer differs from the reference.
bool RunOne(const trawl::Searcher& searcher, const RefQuery& q, Mode mode, const trawl::SearchOptions& top10,
            trawl::SearchResults* results) {
  if (mode == Mode::kCount) {
    uint64_t n = 0;
    Check(searcher.Count(q.query, &n), "count " + q.query);
    return n == q.count;
  }
  Check(searcher.Search(q.query, top10, results), "query " + q.query);
  if (results->hits.size() != q.top.size()) return false;
  for (size_t i = 0; i < q.top.size(); ++i) {
    if (results->hits[i].segment != q.top[i].first || results->hits[i].docid != q.top[i].second) return false;
  }
  return true;
}

struct PhaseResult {
  uint64_t queries = 0;
  uint64_t mismatches = 0;
  double wall_s = 0;
  double cpu_s = 0;
};

// `threads` threads run `set` in `mode` on one searcher for `seconds`.
PhaseResult RunPhase(const trawl::Searcher& searcher, const vector<const RefQuery*>& set, Mode mode, int threads,
                     double seconds) {
  std::latch ready(threads);
  std::atomic<bool> go{false}, stop{false};
  vector<uint64_t> done(threads, 0), bad(threads, 0);
  vector<std::exception_ptr> errors(threads);
  vector<std::thread> pool;
  for (int k = 0; k < threads; ++k) {
    pool.emplace_back([&, k] {
      bool counted = false;
      try {
        const trawl::SearchOptions top10 = Top10Options();
        trawl::SearchResults results;
        size_t i = set.size() * static_cast<size_t>(k) / static_cast<size_t>(threads);
        ready.count_down();
        counted = true;
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        uint64_t n = 0, wrong = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          if (!RunOne(searcher, *set[i], mode, top10, &results)) ++wrong;
          ++n;
          if (++i == set.size()) i = 0;
        }
        done[k] = n;
        bad[k] = wrong;
      } catch (...) {
        errors[k] = std::current_exception();
        if (!counted) ready.count_down();
      }
    });
  }
  ready.wait();
  PhaseResult r;
  const double cpu0 = ProcessCpuS();
  const double t0 = NowS();
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true, std::memory_order_relaxed);
  for (auto& t : pool) t.join();
  r.wall_s = NowS() - t0;
  r.cpu_s = ProcessCpuS() - cpu0;
  for (int k = 0; k < threads; ++k) {
    if (errors[k]) std::rethrow_exception(errors[k]);
    r.queries += done[k];
    r.mismatches += bad[k];
  }
  return r;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  vector<string> positional;
  for (int i = 1; i < argc; ++i) {
    const string a = argv[i];
    auto value = [&]() -> string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--threads") {
      o.threads.clear();
      for (const string& t : trawl::bench::SplitCommas(value())) o.threads.push_back(std::max(1, std::atoi(t.c_str())));
    } else if (a == "--seconds") {
      o.seconds = std::atof(value().c_str());
    } else if (a == "--rounds") {
      o.rounds = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--warmup-s") {
      o.warmup_s = std::atof(value().c_str());
    } else if (a == "--field") {
      o.field = value();
    } else if (a.rfind("--", 0) == 0) {
      throw std::runtime_error("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2 || o.threads.empty() || o.seconds <= 0) {
    throw std::runtime_error(
        "usage: trawl-throughput-bench INDEXDIR QUERIES.tsv [--threads 1,2] [--seconds S] [--rounds R] "
        "[--warmup-s W] [--field F]");
  }
  o.indexdir = positional[0];
  o.qfile = positional[1];
  return o;
}

int Run(const Options& o) {
  std::unique_ptr<trawl::Searcher> searcher;
  Check(trawl::Searcher::Open(o.indexdir, trawl::SearcherOptions(), &searcher), "open " + o.indexdir);
  const string prefix = o.field.empty() ? "" : o.field + ":";

  // Reference answers, single-threaded; queries without words are left out (they match nothing).
  vector<RefQuery> refs;
  vector<string> classes;  // in file order
  {
    const trawl::SearchOptions top10 = Top10Options();
    trawl::SearchResults results;
    for (const auto& pq : trawl::bench::ReadPeerQueryFile(o.qfile, prefix)) {
      if (pq.query.empty()) continue;
      RefQuery q{pq.cls, pq.query, {}, 0};
      Check(searcher->Search(q.query, top10, &results), "query " + q.query);
      q.top = Docids(results);
      Check(searcher->Count(q.query, &q.count), "count " + q.query);
      bool known = false;
      for (const string& c : classes) known = known || c == q.cls;
      if (!known) classes.push_back(q.cls);
      refs.push_back(std::move(q));
    }
  }
  // The sets: each class, then ALL.
  vector<std::pair<string, vector<const RefQuery*>>> sets;
  for (const string& c : classes) {
    vector<const RefQuery*> s;
    for (const RefQuery& q : refs) {
      if (q.cls == c) s.push_back(&q);
    }
    sets.emplace_back(c, std::move(s));
  }
  {
    vector<const RefQuery*> all;
    for (const RefQuery& q : refs) all.push_back(&q);
    sets.emplace_back("ALL", std::move(all));
  }
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("trawl-throughput-bench %s: %s, %llu docs, %zu queries (%zu classes), threads", TRAWL_VERSION,
              o.indexdir.c_str(), static_cast<unsigned long long>(searcher->num_docs()), refs.size(),
              classes.size());
  for (int t : o.threads) std::printf(" %d", t);
  std::printf(", %d rounds x %.1f s per phase, %u cores, load %s\n", o.rounds, o.seconds, cores, LoadAvg().c_str());

  int max_threads = 1;
  for (int t : o.threads) max_threads = std::max(max_threads, t);
  const Mode modes[] = {Mode::kTop10, Mode::kCount};
  uint64_t mismatches = 0;
  {
    const double w0 = NowS();
    int passes = 0;
    uint64_t bad = 0;
    do {
      for (Mode m : modes) bad += RunPhase(*searcher, sets.back().second, m, max_threads, o.warmup_s / 4).mismatches;
      ++passes;
    } while (NowS() - w0 < o.warmup_s);
    std::printf("warm-up: %d x both modes on %d threads in %.1f s, load %s\n", passes, max_threads, NowS() - w0,
                LoadAvg().c_str());
    if (bad) std::printf("MISMATCH: %llu answers in the warm-up differ\n", static_cast<unsigned long long>(bad));
    mismatches += bad;
  }

  // [mode][set][thread count index] -> per-round results
  std::map<std::tuple<int, size_t, size_t>, vector<PhaseResult>> runs;
  for (int r = 0; r < o.rounds; ++r) {
    for (int m = 0; m < 2; ++m) {
      for (size_t s = 0; s < sets.size(); ++s) {
        for (size_t t = 0; t < o.threads.size(); ++t) {
          PhaseResult pr = RunPhase(*searcher, sets[s].second, modes[m], o.threads[t], o.seconds);
          mismatches += pr.mismatches;
          runs[{m, s, t}].push_back(pr);
        }
      }
    }
    std::printf("round %d/%d done, load %s\n", r + 1, o.rounds, LoadAvg().c_str());
  }

  // Medians over the rounds.
  struct Summary {
    double qps, cores, per_cpu;
  };
  auto summarize = [&](int m, size_t s, size_t t) {
    vector<double> q, c, per_cpu;
    for (const PhaseResult& pr : runs[{m, s, t}]) {
      q.push_back(static_cast<double>(pr.queries) / pr.wall_s);
      c.push_back(pr.cpu_s / pr.wall_s);
      per_cpu.push_back(static_cast<double>(pr.queries) / pr.cpu_s);
    }
    return Summary{Median(q), Median(c), Median(per_cpu)};
  };
  for (int m = 0; m < 2; ++m) {
    std::printf("\n%s: queries/s (median of %d rounds), CPU cores used, queries per CPU second\n",
                ModeName(modes[m]), o.rounds);
    std::printf("%-8s %5s", "class", "n");
    for (int t : o.threads) std::printf(" %8s%-2d %6s%-2d %8s%-2d", "q/s T=", t, "cpu T=", t, "q/cpu T=", t);
    for (size_t t = 1; t < o.threads.size(); ++t) {
      std::printf("  q/s %d/%d q/cpu %d/%d", o.threads[t], o.threads[0], o.threads[t], o.threads[0]);
    }
    std::printf("\n");
    for (size_t s = 0; s < sets.size(); ++s) {
      vector<Summary> sum;
      std::printf("%-8s %5zu", sets[s].first.c_str(), sets[s].second.size());
      for (size_t t = 0; t < o.threads.size(); ++t) {
        sum.push_back(summarize(m, s, t));
        std::printf(" %10.0f %8.2f %10.0f", sum[t].qps, sum[t].cores, sum[t].per_cpu);
      }
      for (size_t t = 1; t < o.threads.size(); ++t) {
        std::printf("  %7.2f %9.2f", sum[t].qps / sum[0].qps, sum[t].per_cpu / sum[0].per_cpu);
      }
      std::printf("\n");
    }
  }
  std::printf("\n");
  for (int m = 0; m < 2; ++m) {
    for (size_t s = 0; s < sets.size(); ++s) {
      for (size_t t = 0; t < o.threads.size(); ++t) {
        const Summary x = summarize(m, s, t);
        std::printf("@throughput mode=%s class=%s threads=%d qps=%.1f cpu_cores=%.3f qps_per_cpu_s=%.1f\n",
                    ModeName(modes[m]), sets[s].first.c_str(), o.threads[t], x.qps, x.cores, x.per_cpu);
      }
    }
  }
  std::printf("load at the end %s\n", LoadAvg().c_str());
  if (mismatches) {
    std::printf("MISMATCH: %llu answers differ from the single-threaded reference\n",
                static_cast<unsigned long long>(mismatches));
    return 1;
  }
  std::printf("every answer equal to the single-threaded reference\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show while it runs, into a file too
  try {
    return Run(ParseArgs(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "trawl-throughput-bench: " << e.what() << "\n";
    return 2;
  }
}
