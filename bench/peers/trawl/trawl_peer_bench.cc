// Peer benchmark driver for trawl (the third engine of /work/shared/tools/peers, beside
// lucene/LuceneBench.java and xapian/xapian_bench.cc, whose protocol it mirrors).
//
//   trawl-peer-bench index   CORPUS.jsonl INDEXDIR
//   trawl-peer-bench query   INDEXDIR QUERIES.tsv [--reps R] [--warmup W] [--warmup-s S] [--out RESULTS.tsv]
//       warm-up runs every query (top10 + count) for >= W passes and >= S seconds
//       (defaults 2 / 20), then R timed passes (default 5)
//   trawl-peer-bench analyze        (stdin text lines -> "term@pos ..." lines)
//
// Analysis: trawl::Analyzer with the "simple" tokenizer, language "english", no stop words,
// max_token_chars 60 (longer tokens are dropped but use up a position), i.e. the peers'
// configuration: runs of Unicode letters (Lu Ll Lt Lm Lo) and decimal digits (Nd), lowercased,
// Snowball English. (Not "standard": the peers use a letters-and-digits CharTokenizer, not
// Lucene's StandardTokenizer.)
//
// Fields: trawl analyzes, indexes and stores every field of a Document, so title and body
// cannot be stored as separate fields without also being searchable. The index therefore has
// exactly one field, `text` = title + "\n" + body (the one searchable text of the peers), which
// is stored; Document::id holds the external id. Title and body stay recoverable from the
// stored text (split at the first '\n'), so the stored payload matches the peers' id+title+body.
//
// Indexing: one IndexWriter, one thread, memory budget 256 MiB as Lucene's RAM buffer
// (PEERS_TRAWL_MEMORY_MB), one Commit(), then Optimize() to one segment as Lucene's forceMerge(1)
// (skipped with PEERS_OPTIMIZE=0). Only the last commit is kept, so the size is the index's.
//
// Queries: each TSV line becomes a trawl query string scoped to the field:
//   term -> text:w      and -> +text:w1 +text:w2 ...      or -> text:w1 text:w2 ...
//   phrase -> text:"w1 w2 ..."
// As the harness's protocol asks (query objects built before any timing, of analyzed terms, as
// Lucene's and Xapian's drivers build theirs), each query is a trawl::Query built first, and
// the timed calls are Search(Query) and Count(Query). Term, and and or queries are built of
// Query::IndexedTerm, the terms the index's analyzer makes of the words (Lucene's TermQuery of
// stemmed terms); a phrase is the parsed string, whose words the searcher analyzes in each call
// (trawl has no phrase query of indexed terms). Either way the answers are those of the string.
// PEERS_TRAWL_ANALYZED_WORDS=1 times the parsed strings for every class instead (the searcher
// analyzes every word in each call); PEERS_TRAWL_TIME_PARSING=1 times the string calls,
// parsing included.
// top10 is Searcher::Search(top_k=10, load_documents=false, exact_total=false); the external ids are looked up
// after the timed passes by a second Search with load_documents=true. count is Searcher::Count.
// Machine-readable output lines start with '@' (parsed by report.py).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "analysis/analyzer.h"
#include "trawl/document.h"
#include "trawl/index_writer.h"
#include "trawl/query.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace {

namespace fs = std::filesystem;
using trawl::bench::Check;
using trawl::bench::DirSize;
using trawl::bench::LoadAvg;
using trawl::bench::Median;
using trawl::bench::NowS;
using std::string;
using std::vector;

constexpr uint32_t kMaxTokenChars = 60;
constexpr char kField[] = "text";

long long FileSize(const string& f) {
  std::error_code ec;
  auto n = fs::file_size(f, ec);
  return ec ? -1 : static_cast<long long>(n);
}

std::unique_ptr<trawl::Analyzer> MakeAnalyzer() {
  trawl::AnalyzerOptions o;
  o.tokenizer = "simple";
  o.language = "english";
  o.max_token_chars = kMaxTokenChars;
  std::unique_ptr<trawl::Analyzer> a;
  Check(trawl::Analyzer::Create(o, &a), "analyzer");
  return a;
}

// ------------------------------------------------------------------ index
int DoIndex(const string& corpus, const string& indexdir) {
  std::error_code ec;
  fs::remove_all(indexdir, ec);

  const double t0 = NowS();
  const long long in_bytes = FileSize(corpus);
  trawl::IndexWriterOptions wo;
  wo.tokenizer = "simple";
  wo.language = "english";
  wo.stopwords = "";
  wo.max_token_chars = kMaxTokenChars;
  // Lucene's RAM buffer here is 256 MB (PEERS_LUCENE_RAM_MB); the same budget, then one merge
  // to a single segment as its forceMerge(1) (PEERS_OPTIMIZE=0 skips it, as for the others).
  const char* mb = std::getenv("PEERS_TRAWL_MEMORY_MB");
  wo.memory_budget_bytes = static_cast<size_t>(mb != nullptr ? std::atol(mb) : 256) << 20;
  wo.keep_commits = 1;  // the index's size is that of its last commit only
  const char* optimize_env = std::getenv("PEERS_OPTIMIZE");
  const bool optimize = optimize_env == nullptr || std::string(optimize_env) != "0";
  long long docs = 0;
  double t1 = 0;
  size_t segments_before = 0;
  {
    std::unique_ptr<trawl::IndexWriter> writer;
    Check(trawl::IndexWriter::Open(indexdir, wo, &writer), "open " + indexdir);
    std::ifstream in(corpus, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + corpus);
    static char iobuf[1 << 20];
    in.rdbuf()->pubsetbuf(iobuf, sizeof iobuf);
    string line;
    trawl::Document doc;
    doc.fields.resize(1);
    doc.fields[0].name = kField;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      nlohmann::json j = nlohmann::json::parse(line);
      doc.id = j.at("id").get<string>();
      string& text = doc.fields[0].value;
      text = j.at("title").get<string>();
      text += '\n';
      text += j.at("body").get_ref<const string&>();
      Check(writer->Add(doc), corpus + ":" + std::to_string(docs + 1));
      ++docs;
    }
    Check(writer->Commit(), "commit");
    t1 = NowS();
    for (const auto& e : fs::directory_iterator(indexdir)) segments_before += e.path().extension() == ".meta";
    if (optimize) Check(writer->Optimize(), "optimize");
  }
  const double t2 = NowS();
  const double build = t1 - t0, opt = t2 - t1, total = t2 - t0;
  const long long size = DirSize(indexdir);
  std::printf(
      "trawl %s: %lld docs, %.1f MB input, build %.2fs (1 thread, memory budget %zu MiB, one commit, "
      "%zu segments), optimize %.2fs, total %.2fs, %.0f docs/s, %.2f MB/s, index %lld bytes\n",
      TRAWL_VERSION, docs, in_bytes / 1e6, build, wo.memory_budget_bytes >> 20, segments_before, opt,
      total, docs / total, in_bytes / 1e6 / total, size);
  std::printf(
      "@index engine=trawl version=%s docs=%lld input_bytes=%lld build_s=%.3f optimize_s=%.3f total_s=%.3f "
      "docs_per_s=%.1f mb_per_s=%.3f size_bytes=%lld\n",
      TRAWL_VERSION, docs, in_bytes, build, opt, total, docs / total, in_bytes / 1e6 / total, size);
  return 0;
}

// ------------------------------------------------------------------ query
// The query's words are the analyzer's token spans of the raw text (runs of letters and digits,
// not yet folded or stemmed: the searcher analyzes them itself), so no character of the query
// language can leak into the string. Built before any timing.
string BuildQuery(trawl::Analyzer& an, const string& cls_in, const string& text) {
  vector<string> words;
  an.Analyze(text, [&](const trawl::Token& t) {
    words.push_back(text.substr(t.start_byte, t.end_byte - t.start_byte));
  });
  const string cls = cls_in.compare(0, 4, "chk_") == 0 ? cls_in.substr(4) : cls_in;
  return trawl::bench::PeerClassQuery(cls, words, string(kField) + ":");
}

// The query of a term, and or or class built of indexed terms: the analyzer's term of each word.
trawl::Query BuildTermsQuery(trawl::Analyzer& an, const string& cls_in, const string& text) {
  const string cls = cls_in.compare(0, 4, "chk_") == 0 ? cls_in.substr(4) : cls_in;
  const bool required = cls.compare(0, 3, "and") == 0;
  const vector<string> terms = an.Terms(text);
  if (terms.size() == 1) return trawl::Query::IndexedTerm(kField, terms[0]);
  trawl::Query q = trawl::Query::Boolean();
  for (const string& term : terms) {
    const trawl::Query leaf = trawl::Query::IndexedTerm(kField, term);
    q = required ? q.Must(leaf) : q.Should(leaf);
  }
  return q;
}

// QUERIES.tsv: "class<TAB>words" lines, in file order.
struct PeerQueries {
  vector<string> classes, texts;
  vector<string> strings;  // the trawl query string of each (empty: no words, matches nothing)
  vector<trawl::Query> parsed;  // each query built: of indexed terms, or the string parsed
  bool indexed_terms = true;     // term, and and or queries of indexed terms
};

PeerQueries ReadPeerQueries(const string& qfile) {
  PeerQueries q;
  std::ifstream in(qfile);
  if (!in) throw std::runtime_error("cannot open " + qfile);
  string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == string::npos) continue;
    string text = line.substr(tab + 1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
    while (!text.empty() && text[0] == ' ') text.erase(0, 1);
    q.classes.push_back(line.substr(0, tab));
    q.texts.push_back(text);
  }
  auto an = MakeAnalyzer();
  for (size_t i = 0; i < q.texts.size(); ++i) q.strings.push_back(BuildQuery(*an, q.classes[i], q.texts[i]));
  q.parsed.resize(q.strings.size());
  const char* analyzed_words = std::getenv("PEERS_TRAWL_ANALYZED_WORDS");
  q.indexed_terms = analyzed_words == nullptr || std::strcmp(analyzed_words, "1") != 0;
  for (size_t i = 0; i < q.strings.size(); ++i) {
    if (q.strings[i].empty()) continue;
    const string& cls = q.classes[i];
    if (q.indexed_terms && cls.find("phrase") == string::npos) {
      q.parsed[i] = BuildTermsQuery(*an, cls, q.texts[i]);
    } else {
      Check(trawl::ParseQuery(q.strings[i], &q.parsed[i]), "parse " + q.strings[i]);
    }
  }
  return q;
}

// Runs each query as top10 and as count, and keeps the timed runs' hits, counts and times.
class PeerTimer {
 public:
  PeerTimer(const trawl::Searcher& searcher, const PeerQueries& q, bool time_parsing)
      : top(q.strings.size()), counts(q.strings.size()), t_top(q.strings.size()), t_cnt(q.strings.size()),
        searcher_(searcher), qs_(q.strings), parsed_(q.parsed), time_parsing_(time_parsing) {
    top_opts.top_k = 10;
    top_opts.load_documents = false;
    // Lucene's search(query, 10) counts hits only up to 1000 and then skips what cannot compete;
    // top10 here likewise does not count (bitmap counts are exact anyway). count is Count().
    top_opts.exact_total = false;
  }

  // At least `warmup` passes AND at least `warmup_s` seconds (same rule as the peers). Returns
  // the number of passes and their time in *secs.
  int WarmUp(int warmup, double warmup_s, double* secs) {
    const double w0 = NowS();
    int passes = 0;
    while (passes < warmup || NowS() - w0 < warmup_s) {
      for (size_t i = 0; i < qs_.size(); ++i) {
        RunTop(i, false);
        sink_ += RunCount(i);
      }
      ++passes;
    }
    *secs = NowS() - w0;
    return passes;
  }

  void TimeReps(int reps) {
    for (int r = 0; r < reps; ++r)
      for (size_t i = 0; i < qs_.size(); ++i) {
        const double a = NowS();
        RunTop(i, true);
        const double b = NowS();
        counts[i] = RunCount(i);
        const double e = NowS();
        t_top[i].push_back((b - a) * 1e6);
        t_cnt[i].push_back((e - b) * 1e6);
      }
  }

  // Keeps the compiler from dropping the warm-up's results.
  unsigned long long sink() const { return sink_; }
  bool time_parsing() const { return time_parsing_; }

  trawl::SearchOptions top_opts;
  vector<vector<trawl::Hit>> top;  // [i]: the last timed top10
  vector<uint64_t> counts;
  vector<vector<double>> t_top, t_cnt;  // [i]: microseconds of each timed run

 private:
  void RunTop(size_t i, bool keep) {
    if (qs_[i].empty()) {  // no words: matches nothing, like MatchNoDocsQuery / MatchNothing
      if (keep) top[i].clear();
      return;
    }
    Check(time_parsing_ ? searcher_.Search(qs_[i], top_opts, &res_) : searcher_.Search(parsed_[i], top_opts, &res_),
          "query " + qs_[i]);
    if (keep) top[i] = std::move(res_.hits);
    else sink_ += res_.hits.size();
  }

  uint64_t RunCount(size_t i) {
    if (qs_[i].empty()) return 0;
    uint64_t n = 0;
    Check(time_parsing_ ? searcher_.Count(qs_[i], &n) : searcher_.Count(parsed_[i], count_opts_, &n),
          "count " + qs_[i]);
    return n;
  }

  const trawl::Searcher& searcher_;
  const vector<string>& qs_;
  const vector<trawl::Query>& parsed_;
  const bool time_parsing_;
  const trawl::SearchOptions count_opts_;  // Count(string)'s options
  trawl::SearchResults res_;
  unsigned long long sink_ = 0;
};

// The "@query" lines report.py reads: per class (in file order) and over ALL, the median over
// queries of the per-query medians.
void PrintClassMedians(const vector<string>& classes, const vector<double>& q_top, const vector<double>& q_cnt) {
  vector<string> order;
  std::map<string, std::pair<vector<double>, vector<double>>> by;
  for (size_t i = 0; i < classes.size(); ++i) {
    if (!by.count(classes[i])) order.push_back(classes[i]);
    by[classes[i]].first.push_back(q_top[i]);
    by[classes[i]].second.push_back(q_cnt[i]);
  }
  vector<double> all_top, all_cnt;
  for (const auto& c : order) {
    const auto& p = by[c];
    all_top.insert(all_top.end(), p.first.begin(), p.first.end());
    all_cnt.insert(all_cnt.end(), p.second.begin(), p.second.end());
    std::printf("@query engine=trawl class=%s n=%zu top10_us=%.3f count_us=%.3f\n", c.c_str(), p.first.size(),
                Median(p.first), Median(p.second));
  }
  std::printf("@query engine=trawl class=ALL n=%zu top10_us=%.3f count_us=%.3f\n", all_top.size(),
              Median(all_top), Median(all_cnt));
}

// RESULTS.tsv: per query its count, times, and the external ids and scores of its top10. The
// ids are looked up outside the timed part, by the same query again with load_documents. Times
// to the nanosecond: a count of a term takes under a microsecond, where tenths would be a
// tenth of it.
int WriteResults(const string& outfile, const trawl::Searcher& searcher, const PeerQueries& q,
                 const PeerTimer& t, const vector<double>& q_top, const vector<double>& q_cnt) {
  trawl::SearchOptions id_opts = t.top_opts;
  id_opts.load_documents = true;
  id_opts.snippet_chars = 0;
  size_t mismatched = 0;
  FILE* f = std::fopen(outfile.c_str(), "w");
  if (!f) {
    std::perror(outfile.c_str());
    return 1;
  }
  std::fprintf(f, "#qno\tclass\tquery\tcount\ttop10_us\tcount_us\tids\tscores\n");
  for (size_t i = 0; i < q.strings.size(); ++i) {
    string ids, sc;
    const vector<trawl::Hit>& top = t.top[i];
    if (!top.empty()) {
      trawl::SearchResults full;
      Check(searcher.Search(q.strings[i], id_opts, &full), "query " + q.strings[i]);
      bool same = full.hits.size() == top.size();
      for (size_t k = 0; same && k < top.size(); ++k)
        same = full.hits[k].segment == top[k].segment && full.hits[k].docid == top[k].docid;
      if (!same) ++mismatched;
      for (size_t k = 0; k < full.hits.size(); ++k) {
        if (k) {
          ids += ' ';
          sc += ' ';
        }
        ids += full.hits[k].id;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.4f", full.hits[k].score);
        sc += buf;
      }
    }
    std::fprintf(f, "%zu\t%s\t%s\t%llu\t%.3f\t%.3f\t%s\t%s\n", i, q.classes[i].c_str(), q.texts[i].c_str(),
                 static_cast<unsigned long long>(t.counts[i]), q_top[i], q_cnt[i], ids.c_str(), sc.c_str());
  }
  std::fclose(f);
  if (mismatched) std::printf("trawl WARNING: %zu queries returned different hits when loading ids\n", mismatched);
  return 0;
}

int DoQuery(const string& indexdir, const string& qfile, int reps, int warmup, double warmup_s,
            const string& outfile) {
  const PeerQueries q = ReadPeerQueries(qfile);
  const size_t nq = q.strings.size();
  std::unique_ptr<trawl::Searcher> searcher;
  Check(trawl::Searcher::Open(indexdir, trawl::SearcherOptions(), &searcher), "open " + indexdir);
  const char* time_parsing = std::getenv("PEERS_TRAWL_TIME_PARSING");
  PeerTimer timer(*searcher, q, time_parsing != nullptr && std::strcmp(time_parsing, "1") == 0);
  double warm_secs = 0;
  const int passes = timer.WarmUp(warmup, warmup_s, &warm_secs);
  timer.TimeReps(reps);

  vector<double> q_top(nq), q_cnt(nq);
  for (size_t i = 0; i < nq; ++i) {
    q_top[i] = Median(timer.t_top[i]);
    q_cnt[i] = Median(timer.t_cnt[i]);
  }
  std::printf("trawl %s: %llu docs, %zu queries, warm-up %d passes in %.1fs, reps %d, BM25(k1=%.2f, b=%.2f), %s\n",
              TRAWL_VERSION, static_cast<unsigned long long>(searcher->num_docs()), nq, passes, warm_secs,
              reps, timer.top_opts.k1, timer.top_opts.b,
              timer.time_parsing()  ? "query strings parsed in the timed calls"
              : q.indexed_terms     ? "queries built before timing, of indexed terms but for phrases"
                                    : "queries parsed before timing, words analyzed in the timed calls");
  PrintClassMedians(q.classes, q_top, q_cnt);
  if (!outfile.empty() && WriteResults(outfile, *searcher, q, timer, q_top, q_cnt) != 0) return 1;
  if (timer.sink() == 42) std::fprintf(stderr, " ");
  return 0;
}

// ------------------------------------------------------------------ analyze
int DoAnalyze() {
  auto an = MakeAnalyzer();
  string line, out;
  while (std::getline(std::cin, line)) {
    out.clear();
    an->Analyze(line, [&](const trawl::Token& t) {
      if (!out.empty()) out += ' ';
      out.append(t.term);
      out += '@';
      out += std::to_string(t.position);
    });
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    vector<string> a(argv + 1, argv + argc);
    if (a.size() >= 3 && a[0] == "index") return DoIndex(a[1], a[2]);
    if (a.size() >= 3 && a[0] == "query") {
      int reps = 5, warmup = 2;
      double warmup_s = 20;
      string out;
      for (size_t i = 3; i < a.size(); ++i) {
        if (a[i] == "--reps" && i + 1 < a.size()) reps = std::atoi(a[++i].c_str());
        else if (a[i] == "--warmup" && i + 1 < a.size()) warmup = std::atoi(a[++i].c_str());
        else if (a[i] == "--warmup-s" && i + 1 < a.size()) warmup_s = std::atof(a[++i].c_str());
        else if (a[i] == "--out" && i + 1 < a.size()) out = a[++i];
        else {
          std::cerr << "unknown option " << a[i] << "\n";
          return 2;
        }
      }
      return DoQuery(a[1], a[2], std::max(1, reps), warmup, warmup_s, out);
    }
    if (a.size() >= 1 && a[0] == "analyze") return DoAnalyze();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: trawl-peer-bench index CORPUS.jsonl INDEXDIR\n"
               "       trawl-peer-bench query INDEXDIR QUERIES.tsv [--reps R] [--warmup W] [--warmup-s S] "
               "[--out RESULTS.tsv]\n"
               "       trawl-peer-bench analyze < text\n";
  return 2;
}
