// trawl-hits-bench: what loading a page of hits costs on top of finding it, through the public
// trawl::Searcher API, one thread.
//
//   trawl-hits-bench INDEXDIR QUERIES.tsv [--reps R] [--warmup-s S] [--top K] [--modes LIST]
//                    [--per-query FILE]
//
// QUERIES.tsv: `class<TAB>words` lines as ../shared/tools/peers/queries.py writes them ('#' lines
// are comments): term -> `w`, and2/and3 -> `+w1 +w2 ...`, or2/or3 -> `w1 w2 ...`,
// phrase2/phrase3 -> `"w1 w2 ..."`, bare words searching every default field of the index. A
// line without a tab is a query in trawl's language, as it is.
//
// Every query runs the top K (default 10, exact_total = false, as the peers' top10) in four modes:
//   bare      load_documents = false: scores and docids only, nothing read from the store
//   id+title  snippet_chars = 0, no fields: each hit's id and title
//   snippet   the default snippet settings (snippet_chars 200): id, title and snippet
//   fields    fields = {"*"}, snippet_chars = 0: id, title and every stored field
// Protocol: warm-up runs every query in every mode for at least S seconds (default 5) and one
// pass; then R timed passes (default 7), each running every query in every mode back to back
// (so the machine's load falls on all modes alike). Per query and mode: the median of the R wall
// times. Per mode: p50, p90, p99 and max over the queries of those medians (percentile:
// sorted[round((n - 1) * p)]), and their ratios to the bare and id+title modes of the same run.
// --modes (comma-separated, default all) runs only some, e.g. under callgrind; ratios to a mode
// left out are not printed.
//
// Every mode must return the same docids in the same order (checked; a mismatch is an error).
// The digest per mode is an FNV-1a hash over every loaded hit's id, title, snippet and fields:
// equal digests of two builds on the same index mean they return the same answers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
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
using trawl::bench::LoadAvg;
using trawl::bench::Median;
using trawl::bench::NowS;

struct Query {
  string cls;
  string text;
};

struct Mode {
  string name;
  trawl::SearchOptions options;
};

struct Options {
  string indexdir, qfile, per_query;
  vector<string> modes;  // empty: all
  int reps = 7;
  double warmup_s = 5;
  size_t top = 10;
};

vector<Query> ReadQueries(const string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file);
  vector<Query> queries;
  string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == string::npos) {
      queries.push_back({"query", line});
    } else {
      const string cls = line.substr(0, tab);
      const vector<string> words = trawl::bench::SplitSpaces(line.substr(tab + 1));
      queries.push_back({cls, trawl::bench::PeerClassQuery(cls, words, "")});
    }
  }
  if (queries.empty()) throw std::runtime_error(file + ": no queries");
  return queries;
}

vector<Mode> MakeModes(size_t top, const vector<string>& names) {
  trawl::SearchOptions base;
  base.top_k = top;
  base.exact_total = false;
  vector<Mode> modes(4, Mode{"", base});
  modes[0].name = "bare";
  modes[0].options.load_documents = false;
  modes[1].name = "id+title";
  modes[1].options.snippet_chars = 0;
  modes[2].name = "snippet";
  modes[3].name = "fields";
  modes[3].options.snippet_chars = 0;
  modes[3].options.fields = {"*"};
  if (names.empty()) return modes;
  vector<Mode> chosen;
  for (const string& name : names) {
    auto it =
        std::find_if(modes.begin(), modes.end(), [&](const Mode& m) { return m.name == name; });
    if (it == modes.end())
      throw std::runtime_error("unknown mode " + name + " (bare, id+title, snippet, fields)");
    chosen.push_back(*it);
  }
  return chosen;
}

void Fnv(uint64_t* h, const string& s) {
  for (unsigned char c : s) *h = (*h ^ c) * 1099511628211ull;
  *h = (*h ^ 0xff) * 1099511628211ull;  // a separator, so ("ab","c") and ("a","bc") differ
}

uint64_t Digest(const trawl::SearchResults& r, uint64_t h) {
  for (const trawl::Hit& hit : r.hits) {
    Fnv(&h, hit.id);
    Fnv(&h, hit.title);
    Fnv(&h, hit.snippet);
    for (const trawl::DocField& f : hit.fields) {
      Fnv(&h, f.name);
      Fnv(&h, f.value);
    }
  }
  return h;
}

double Pct(const vector<double>& sorted, double p) {
  return sorted.empty() ? 0 : sorted[static_cast<size_t>(std::llround((sorted.size() - 1) * p))];
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  vector<string> pos;
  for (int i = 1; i < argc; ++i) {
    const string a = argv[i];
    auto value = [&]() -> string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--reps") {
      o.reps = std::atoi(value().c_str());
    } else if (a == "--warmup-s") {
      o.warmup_s = std::atof(value().c_str());
    } else if (a == "--top") {
      o.top = static_cast<size_t>(std::atol(value().c_str()));
    } else if (a == "--modes") {
      o.modes = trawl::bench::SplitCommas(value());
    } else if (a == "--per-query") {
      o.per_query = value();
    } else if (a.rfind("--", 0) == 0) {
      throw std::runtime_error("unknown option " + a);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 2 || o.reps < 1 || o.top < 1) {
    throw std::runtime_error(
        "usage: trawl-hits-bench INDEXDIR QUERIES.tsv [--reps R] [--warmup-s S] [--top K] "
        "[--modes LIST] [--per-query FILE]");
  }
  o.indexdir = pos[0];
  o.qfile = pos[1];
  return o;
}

int Run(const Options& o) {
  const vector<Query> queries = ReadQueries(o.qfile);
  const vector<Mode> modes = MakeModes(o.top, o.modes);
  const size_t nq = queries.size(), nm = modes.size();
  std::unique_ptr<trawl::Searcher> searcher;
  Check(trawl::Searcher::Open(o.indexdir, trawl::SearcherOptions(), &searcher),
        "open " + o.indexdir);
  const string load_before = LoadAvg();

  vector<uint64_t> digest(nm, 14695981039346656037ull);
  // One pass over every query in every mode; times[m][q] gets this pass's wall time.
  auto pass = [&](vector<vector<double>>* times, bool check) {
    trawl::SearchResults r;
    for (size_t q = 0; q < nq; ++q) {
      vector<uint32_t> docids;
      for (size_t m = 0; m < nm; ++m) {
        const double t0 = NowS();
        Check(searcher->Search(queries[q].text, modes[m].options, &r), queries[q].text);
        const double t = NowS() - t0;
        if (times != nullptr) (*times)[m][q] = t * 1e6;
        if (!check) continue;
        vector<uint32_t> ids;
        for (const trawl::Hit& h : r.hits) ids.push_back(h.docid);
        if (m == 0) docids = ids;
        if (ids != docids)
          throw std::runtime_error("mode " + modes[m].name + " returns other hits for " +
                                   queries[q].text);
        digest[m] = Digest(r, digest[m]);
      }
    }
  };
  const double w0 = NowS();
  int warm_passes = 0;
  do {
    pass(nullptr, warm_passes == 0);
    ++warm_passes;
  } while (NowS() - w0 < o.warmup_s);
  const double warm_s = NowS() - w0;

  // samples[m][q][rep]
  vector<vector<vector<double>>> samples(nm, vector<vector<double>>(nq));
  vector<vector<double>> times(nm, vector<double>(nq));
  const double t0 = NowS();
  for (int rep = 0; rep < o.reps; ++rep) {
    pass(&times, false);
    for (size_t m = 0; m < nm; ++m)
      for (size_t q = 0; q < nq; ++q) samples[m][q].push_back(times[m][q]);
  }
  const double timed_s = NowS() - t0;

  vector<vector<double>> medians(nm, vector<double>(nq));
  for (size_t m = 0; m < nm; ++m)
    for (size_t q = 0; q < nq; ++q) medians[m][q] = Median(samples[m][q]);

  std::printf(
      "trawl %s hits: %s (%llu docs), %s: %zu queries, top %zu, exact_total false\n"
      "warm-up %d passes in %.1fs; %d timed passes in %.1fs; one thread; wall microseconds, "
      "per query the median of %d; load average before %s, after %s\n\n",
      TRAWL_VERSION, o.indexdir.c_str(), static_cast<unsigned long long>(searcher->num_docs()),
      o.qfile.c_str(), nq, o.top, warm_passes, warm_s, o.reps, timed_s, o.reps, load_before.c_str(),
      LoadAvg().c_str());
  struct Row {
    double p50, p90, p99, max;
  };
  vector<Row> rows;
  for (size_t m = 0; m < nm; ++m) {
    vector<double> v = medians[m];
    std::sort(v.begin(), v.end());
    rows.push_back({Pct(v, 0.5), Pct(v, 0.9), Pct(v, 0.99), v.back()});
  }
  auto index_of = [&](const string& name) {
    for (size_t m = 0; m < nm; ++m)
      if (modes[m].name == name) return static_cast<long>(m);
    return -1L;
  };
  const long bare = index_of("bare"), idt = index_of("id+title");
  std::printf("%-9s %9s %9s %9s %9s", "mode", "p50", "p90", "p99", "max");
  if (bare >= 0) std::printf("  %8s %8s", "p50/bare", "p99/bare");
  if (idt >= 0) std::printf("  %8s %8s", "p50/idt", "p99/idt");
  std::printf("  %16s\n", "digest");
  for (size_t m = 0; m < nm; ++m) {
    const Row& r = rows[m];
    std::printf("%-9s %9.1f %9.1f %9.1f %9.1f", modes[m].name.c_str(), r.p50, r.p90, r.p99, r.max);
    if (bare >= 0) std::printf("  %8.2f %8.2f", r.p50 / rows[bare].p50, r.p99 / rows[bare].p99);
    if (idt >= 0) std::printf("  %8.2f %8.2f", r.p50 / rows[idt].p50, r.p99 / rows[idt].p99);
    std::printf("  %016llx\n", static_cast<unsigned long long>(digest[m]));
  }

  // The queries whose hits cost most to load: id+title over bare.
  if (bare >= 0 && idt >= 0) {
    auto extra = [&](size_t q) { return medians[idt][q] - medians[bare][q]; };
    vector<size_t> order(nq);
    for (size_t q = 0; q < nq; ++q) order[q] = q;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return extra(a) > extra(b); });
    std::printf("\nlargest id+title - bare (us):");
    for (size_t i = 0; i < std::min<size_t>(5, nq); ++i)
      std::printf(" %.0f [%s]", extra(order[i]), queries[order[i]].text.c_str());
    std::printf("\n");
  }

  if (!o.per_query.empty()) {
    std::ofstream out(o.per_query);
    out << "class\tquery";
    for (const Mode& m : modes) out << '\t' << m.name;
    out << '\n';
    for (size_t q = 0; q < nq; ++q) {
      out << queries[q].cls << '\t' << queries[q].text;
      for (size_t m = 0; m < nm; ++m) out << '\t' << medians[m][q];
      out << '\n';
    }
    if (!out) throw std::runtime_error("cannot write " + o.per_query);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(ParseArgs(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trawl-hits-bench: %s\n", e.what());
    return 1;
  }
}
