// Typed-field benchmark driver for trawl: range filters, range filters with text, sorting by a
// numeric field and keyword facet counts, on a JSONL corpus with a trawl schema. The companion of
// LuceneTypedBench.java here, whose indexing, protocol and result files it mirrors, so that
// report.py and check.py read both (README.md).
//
//   trawl-typed-bench index CORPUS.jsonl SCHEMA.json INDEXDIR
//   trawl-typed-bench query INDEXDIR SCHEMA.json QUERIES.jsonl [--reps R] [--warmup W]
//                           [--warmup-s S] [--out RESULTS.jsonl]
//
// Fields: the schema's typed fields are trawl fields of the same type and options. Its text
// fields, in schema order joined by "\n", are one text field `text` (stored), as the Lucene
// driver indexes them: with one field both engines score by the same BM25 statistics (trawl
// would otherwise sum one BM25 score per field), so their top 10 by score can be compared
// document for document. Analysis is the peers' (trawl-peer-bench): the "simple" tokenizer,
// Snowball English, no stop words, tokens over 60 code points dropped. Every field is stored,
// as trawl does by default and the Lucene driver does with StoredFields.
// Indexing: one IndexWriter, one thread, memory budget 256 MiB as Lucene's RAM buffer
// (PEERS_TRAWL_MEMORY_MB), one Commit(), then Optimize() to one segment as Lucene's
// forceMerge(1) (PEERS_OPTIMIZE=0 skips it). Only the last commit is kept, so the size is the
// index's.
//
// Queries: each line's `trawl` object, {"query": Q, "filter": [F...], "sort": ["f:desc"],
// "facet": ["f:N"]}, in trawl's query language; an empty Q with a filter (the range class) is
// `*` filtered, as Lucene's range query alone. What is timed, per class, as the Lucene driver:
//   range, range_text  top10: Search(top_k 10, filters, exact_total false); count: Search
//                      (count_only, filters)
//   sort               top10: Search(sort [field, score desc], exact_total false), as Lucene's
//                      Sort(field, SCORE, DOC); the count is taken untimed, for the checks
//   facet              top10: Search(top_k 10, facets [field, N], exact_total true): the top
//                      10 hits, the facet counts and the count (Lucene's FacetsCollector counts
//                      every match too)
// Hits are never loaded while timing (load_documents false, like Lucene's TopDocs of docids);
// the external ids are looked up after the timed passes by the same search with
// load_documents. As the Lucene driver builds its query objects before timing, the query and
// filter strings are parsed into trawl::Query objects first, and the timed calls take those
// (SearchOptions::filter_queries for the filters). Analyzing the words stays in every call: a
// trawl::Query holds words, not terms. PEERS_TRAWL_TIME_PARSING=1 times the string calls
// instead, parsing included, as this driver did before. Warm-up: every query (top10 and
// count) for >= W passes and >= S seconds; then R timed passes; per query the median over R.
// Machine-readable output lines start with '@'.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "trawl/document.h"
#include "trawl/index_writer.h"
#include "trawl/query.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;
using std::string;
using std::vector;
using trawl::bench::Check;
using trawl::bench::Median;
using trawl::bench::NowS;

constexpr uint32_t kMaxTokenChars = 60;
constexpr char kText[] = "text";
constexpr char kEngine[] = "trawl-typed";

string ReadFile(const string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The schema file's fields in file order (the text fields are joined in that order).
struct SchemaField {
  string name;
  trawl::FieldType type;
};

struct TypedSchema {
  vector<SchemaField> fields;
  trawl::Schema trawl;  // what the index is created with: the typed fields and `text`
};

TypedSchema ReadSchema(const string& path) {
  ordered_json root;
  try {
    root = ordered_json::parse(ReadFile(path));
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  if (!root.is_object() || !root.contains("fields") || !root["fields"].is_object())
    throw std::runtime_error(path + ": no \"fields\" object");
  TypedSchema out;
  ordered_json fields = ordered_json::object();
  for (const auto& [name, spec] : root["fields"].items()) {
    if (name == "id" || name == kText)
      throw std::runtime_error(path + ": field name " + name + " is reserved here");
    if (!spec.is_object()) throw std::runtime_error(path + ": field " + name + " is not an object");
    trawl::FieldType type = trawl::FieldType::kText;
    if (spec.contains("type") &&
        !trawl::ParseFieldType(spec["type"].get<string>(), &type))
      throw std::runtime_error(path + ": field " + name + " has unknown type " + spec["type"].dump());
    out.fields.push_back({name, type});
    if (type != trawl::FieldType::kText) fields[name] = spec;
  }
  fields[kText] = {{"type", "text"}};
  // The joined text is the only text field, so nothing may be mapped dynamically beside it.
  const ordered_json schema = {{"fields", fields}, {"dynamic", false}};
  Check(trawl::Schema::FromJson(schema.dump(), &out.trawl), path);
  return out;
}

vector<const json*> ValuesOf(const json& doc, const string& name) {
  vector<const json*> out;
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return out;
  if (it->is_array()) {
    for (const json& v : *it)
      if (!v.is_null()) out.push_back(&v);
  } else {
    out.push_back(&*it);
  }
  return out;
}

// A JSON scalar as the text a DocField holds; numbers keep their JSON spelling.
string AsText(const json& v) { return v.is_string() ? v.get<string>() : v.dump(); }

trawl::ValueKind KindOf(trawl::FieldType type) {
  switch (type) {
    case trawl::FieldType::kKeyword: return trawl::ValueKind::kKeyword;
    case trawl::FieldType::kInt: return trawl::ValueKind::kInt;
    case trawl::FieldType::kFloat: return trawl::ValueKind::kFloat;
    case trawl::FieldType::kDate: return trawl::ValueKind::kDate;
    case trawl::FieldType::kBool: return trawl::ValueKind::kBool;
    default: return trawl::ValueKind::kText;
  }
}

// Bytes of the index's files, in total and by extension (Lucene's driver reports the same).
long long IndexSize(const string& dir, string* by_ext) {
  std::map<string, long long> ext;
  long long total = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const long long n = static_cast<long long>(e.file_size());
    total += n;
    const string x = e.path().extension().string();
    ext[x.empty() ? e.path().filename().string() : x.substr(1)] += n;
  }
  by_ext->clear();
  for (const auto& [k, n] : ext) *by_ext += (by_ext->empty() ? "" : ",") + k + ":" + std::to_string(n);
  return total;
}

// ------------------------------------------------------------------ index
int DoIndex(const string& corpus, const string& schema_path, const string& indexdir) {
  TypedSchema schema = ReadSchema(schema_path);
  std::error_code ec;
  fs::remove_all(indexdir, ec);

  trawl::IndexWriterOptions wo;
  wo.tokenizer = "simple";
  wo.language = "english";
  wo.stopwords = "";
  wo.max_token_chars = kMaxTokenChars;
  wo.schema = schema.trawl;
  const char* mb = std::getenv("PEERS_TRAWL_MEMORY_MB");
  wo.memory_budget_bytes = static_cast<size_t>(mb != nullptr ? std::atol(mb) : 256) << 20;
  wo.keep_commits = 1;  // the index's size is that of its last commit only
  const char* optimize_env = std::getenv("PEERS_OPTIMIZE");
  const bool optimize = optimize_env == nullptr || string(optimize_env) != "0";

  const long long in_bytes = static_cast<long long>(fs::file_size(corpus));
  const double t0 = NowS();
  long long docs = 0;
  double t1 = 0;
  {
    std::unique_ptr<trawl::IndexWriter> writer;
    Check(trawl::IndexWriter::Open(indexdir, wo, &writer), "open " + indexdir);
    std::ifstream in(corpus, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + corpus);
    static char iobuf[1 << 20];
    in.rdbuf()->pubsetbuf(iobuf, sizeof iobuf);
    string line, text;
    long long no = 0;
    trawl::Document doc;
    while (std::getline(in, line)) {
      ++no;
      if (line.empty()) continue;
      const string where = corpus + ":" + std::to_string(no);
      json j;
      try {
        j = json::parse(line);
      } catch (const json::exception& e) {
        throw std::runtime_error(where + ": " + e.what());
      }
      if (!j.is_object() || !j.contains("id") || j["id"].is_null())
        throw std::runtime_error(where + ": no \"id\"");
      doc.id = AsText(j["id"]);
      doc.fields.clear();
      text.clear();
      for (const SchemaField& f : schema.fields) {
        for (const json* v : ValuesOf(j, f.name)) {
          if (f.type == trawl::FieldType::kText) {
            if (!text.empty()) text += '\n';
            text += AsText(*v);
          } else if (f.type == trawl::FieldType::kBool && v->is_boolean()) {
            doc.AddBool(f.name, v->get<bool>());
          } else {
            doc.Add(f.name, AsText(*v), KindOf(f.type));
          }
        }
      }
      if (!text.empty()) doc.Add(kText, text);
      Check(writer->Add(doc), where);
      ++docs;
    }
    Check(writer->Commit(), "commit");
    t1 = NowS();
    if (optimize) Check(writer->Optimize(), "optimize");
  }
  const double t2 = NowS();
  const double build = t1 - t0, opt = t2 - t1, total = t2 - t0;
  string parts;
  const long long size = IndexSize(indexdir, &parts);
  std::printf("%s %s: %lld docs, %.1f MB input, build %.2fs, optimize %.2fs, total %.2fs, index %lld bytes (%s)\n",
              kEngine, TRAWL_VERSION, docs, in_bytes / 1e6, build, opt, total, size, parts.c_str());
  std::printf("@index engine=%s version=%s docs=%lld input_bytes=%lld build_s=%.3f optimize_s=%.3f total_s=%.3f "
              "size_bytes=%lld size_by_ext=%s\n",
              kEngine, TRAWL_VERSION, docs, in_bytes, build, opt, total, size, parts.c_str());
  return 0;
}

// ------------------------------------------------------------------ queries
struct Query {
  string cls;
  string query;
  trawl::Query parsed;  // `query` parsed
  // What top10 and count run (count: count_only; range classes and sort), with the filters as
  // strings (`top`, `count`) or parsed into filter_queries (`parsed_top`, `parsed_count`).
  trawl::SearchOptions top, parsed_top;
  trawl::SearchOptions count, parsed_count;
  bool has_count = false;
  bool is_facet = false;
  // The answers of the last timed pass.
  uint64_t n = 0;
  vector<trawl::Hit> hits;
  vector<trawl::FacetCount> facets;
  vector<string> ids;
  vector<double> scores;  // not in Lucene's results: to tell near ties when the engines differ
};

// "field:N" or "field:desc": the name and what follows the last ':'.
std::pair<string, string> SplitLast(const string& s, const string& where) {
  const size_t c = s.rfind(':');
  if (c == string::npos || c == 0) throw std::runtime_error(where + ": expected FIELD:VALUE, got " + s);
  return {s.substr(0, c), s.substr(c + 1)};
}

// What a class's count runs: its top10's query and filters, counted only.
trawl::SearchOptions CountOptions(trawl::SearchOptions top) {
  top.count_only = true;
  top.sort.clear();
  top.facets.clear();
  return top;
}

vector<Query> ReadQueries(const string& path, const TypedSchema& schema) {
  vector<Query> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  string line;
  long long no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.empty() || line[0] == '#') continue;
    const string where = path + ":" + std::to_string(no);
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      throw std::runtime_error(where + ": " + e.what());
    }
    if (!j.is_object() || !j.contains("trawl") || !j["trawl"].is_object())
      throw std::runtime_error(where + ": no \"trawl\" object");
    const json& t = j["trawl"];
    Query q;
    q.cls = j.value("class", "");
    if (q.cls != "range" && q.cls != "range_text" && q.cls != "sort" && q.cls != "facet")
      throw std::runtime_error(where + ": unknown class \"" + q.cls + "\" (range, range_text, sort, facet)");
    q.query = t.value("query", "");
    if (q.query.empty()) q.query = "*";
    q.top.top_k = 10;
    q.top.load_documents = false;
    q.top.snippet_chars = 0;
    // As Lucene's search(query, 10), which stops counting at 1000 hits and then skips what
    // cannot compete.
    q.top.exact_total = false;
    if (t.contains("filter"))
      for (const json& f : t["filter"]) q.top.filters.push_back(f.get<string>());
    if (t.contains("sort")) {
      for (const json& s : t["sort"]) {
        auto [field, order] = SplitLast(s.get<string>(), where);
        if (order != "asc" && order != "desc") throw std::runtime_error(where + ": sort order " + order);
        q.top.sort.push_back({field, order == "desc"});
      }
      // Lucene's Sort(field, SCORE, DOC): ties by score, then index order (trawl's last key).
      if (!q.top.sort.empty()) q.top.sort.push_back({"score", true});
    }
    if (t.contains("facet")) {
      for (const json& f : t["facet"]) {
        auto [field, n] = SplitLast(f.get<string>(), where);
        const auto* spec = schema.trawl.Find(field);
        if (spec == nullptr ||
            (spec->spec.type != trawl::FieldType::kKeyword && spec->spec.type != trawl::FieldType::kBool))
          throw std::runtime_error(where + ": facet field " + field + " is not a keyword or bool field of the schema");
        q.top.facets.push_back({field, static_cast<size_t>(std::stoul(n))});
      }
      q.is_facet = true;
      // A facet collector visits every match, and Lucene's counts them.
      q.top.exact_total = true;
    }
    q.count = CountOptions(q.top);
    q.has_count = !q.is_facet;
    Check(trawl::ParseQuery(q.query, &q.parsed), where + ": query " + q.query);
    q.parsed_top = q.top;
    q.parsed_top.filters.clear();
    for (const string& f : q.top.filters) {
      trawl::Query filter;
      Check(trawl::ParseQuery(f, &filter), where + ": filter " + f);
      q.parsed_top.filter_queries.push_back(std::move(filter));
    }
    q.parsed_count = CountOptions(q.parsed_top);
    out.push_back(std::move(q));
  }
  return out;
}

// Nearest-rank percentile, p in (0, 100].
double Percentile(vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const long rank = static_cast<long>(std::ceil(p / 100 * static_cast<double>(v.size())));
  return v[static_cast<size_t>(std::clamp(rank - 1, 0L, static_cast<long>(v.size()) - 1))];
}

class Runner {
 public:
  Runner(const trawl::Searcher& searcher, bool time_parsing)
      : searcher_(searcher), time_parsing_(time_parsing) {}

  // The timed part of top10; keeps the answers when `keep`.
  void Top(Query& q, bool keep) {
    Check(time_parsing_ ? searcher_.Search(q.query, q.top, &res_)
                        : searcher_.Search(q.parsed, q.parsed_top, &res_),
          "query " + q.query);
    if (keep) {
      q.hits = std::move(res_.hits);
      if (q.is_facet) {
        q.n = res_.total;
        q.facets = res_.facets.empty() ? vector<trawl::FacetCount>() : std::move(res_.facets[0].counts);
      }
    } else {
      sink_ += res_.hits.size() + res_.facets.size();
    }
  }

  uint64_t Count(const Query& q) {
    Check(time_parsing_ ? searcher_.Search(q.query, q.count, &res_)
                        : searcher_.Search(q.parsed, q.parsed_count, &res_),
          "count " + q.query);
    return res_.total;
  }

  unsigned long long sink() const { return sink_; }
  bool time_parsing() const { return time_parsing_; }

 private:
  const trawl::Searcher& searcher_;
  const bool time_parsing_;
  trawl::SearchResults res_;
  unsigned long long sink_ = 0;
};

string Quote(const string& s) { return json(s).dump(); }

int DoQuery(const string& indexdir, const string& schema_path, const string& qfile, int reps, int warmup,
            double warmup_s, const string& outfile) {
  const TypedSchema schema = ReadSchema(schema_path);
  vector<Query> qs = ReadQueries(qfile, schema);
  const size_t nq = qs.size();
  std::unique_ptr<trawl::Searcher> searcher;
  Check(trawl::Searcher::Open(indexdir, trawl::SearcherOptions(), &searcher), "open " + indexdir);
  const char* time_parsing = std::getenv("PEERS_TRAWL_TIME_PARSING");
  Runner run(*searcher, time_parsing != nullptr && string(time_parsing) == "1");

  // Warm-up as the peers: every query, top10 and count, for >= W passes and >= S seconds.
  const double w0 = NowS();
  int passes = 0;
  unsigned long long sink = 0;
  while (passes < warmup || NowS() - w0 < warmup_s) {
    for (Query& q : qs) {
      run.Top(q, false);
      if (q.has_count) sink += run.Count(q);
    }
    ++passes;
  }
  const double warm_secs = NowS() - w0;

  vector<vector<double>> t_top(nq), t_cnt(nq);
  for (int r = 0; r < reps; ++r) {
    for (size_t i = 0; i < nq; ++i) {
      Query& q = qs[i];
      const double a = NowS();
      run.Top(q, r == reps - 1);
      const double b = NowS();
      t_top[i].push_back((b - a) * 1e6);
      // The sort class's count is not timed: it is only there to cross-check answers.
      if (q.has_count && q.cls != "sort") {
        q.n = run.Count(q);
        t_cnt[i].push_back((NowS() - b) * 1e6);
      }
    }
  }
  // Untimed: the sort class's count, and the hits' external ids, by the same search with the
  // stored documents loaded (which must give the same hits).
  size_t mismatched = 0;
  for (Query& q : qs) {
    if (q.cls == "sort") q.n = run.Count(q);
    if (q.hits.empty()) continue;
    trawl::SearchOptions o = q.top;
    o.load_documents = true;
    trawl::SearchResults full;
    Check(searcher->Search(q.query, o, &full), "query " + q.query);
    bool same = full.hits.size() == q.hits.size();
    for (size_t k = 0; same && k < q.hits.size(); ++k)
      same = full.hits[k].segment == q.hits[k].segment && full.hits[k].docid == q.hits[k].docid;
    mismatched += !same;
    for (const trawl::Hit& h : full.hits) {
      q.ids.push_back(h.id);
      q.scores.push_back(h.score);
    }
  }

  vector<double> q_top(nq), q_cnt(nq);
  vector<string> order;
  std::map<string, std::pair<vector<double>, vector<double>>> by;
  for (size_t i = 0; i < nq; ++i) {
    q_top[i] = Median(t_top[i]);
    q_cnt[i] = Median(t_cnt[i]);
    if (!by.count(qs[i].cls)) order.push_back(qs[i].cls);
    by[qs[i].cls].first.push_back(q_top[i]);
    if (!t_cnt[i].empty()) by[qs[i].cls].second.push_back(q_cnt[i]);
  }
  std::printf("%s %s: %llu docs, %zu queries, warm-up %d passes in %.1fs, reps %d, %s, load %s\n", kEngine,
              TRAWL_VERSION, static_cast<unsigned long long>(searcher->num_docs()), nq, passes, warm_secs, reps,
              run.time_parsing() ? "query strings parsed in the timed calls" : "queries parsed before timing",
              trawl::bench::LoadAvg().c_str());
  if (mismatched) std::printf("%s WARNING: %zu queries returned other hits when loading ids\n", kEngine, mismatched);
  for (const string& c : order) {
    const auto& [a, b] = by[c];
    auto fmt = [](const vector<double>& v, double p) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f", Percentile(v, p));
      return v.empty() ? string("-") : string(buf);
    };
    std::printf("@query engine=%s class=%s n=%zu top10_median_us=%.1f top10_p90_us=%.1f count_median_us=%s "
                "count_p90_us=%s\n",
                kEngine, c.c_str(), a.size(), Percentile(a, 50), Percentile(a, 90), fmt(b, 50).c_str(),
                fmt(b, 90).c_str());
  }
  if (!outfile.empty()) {
    std::ofstream out(outfile, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write " + outfile);
    char buf[64];
    for (size_t i = 0; i < nq; ++i) {
      const Query& q = qs[i];
      out << "{\"qno\": " << i << ", \"class\": " << Quote(q.cls) << ", \"count\": " << q.n;
      std::snprintf(buf, sizeof buf, ", \"top10_us\": %.1f", q_top[i]);
      out << buf;
      if (!t_cnt[i].empty()) {
        std::snprintf(buf, sizeof buf, ", \"count_us\": %.1f", q_cnt[i]);
        out << buf;
      }
      out << ", \"ids\": [";
      for (size_t k = 0; k < q.ids.size(); ++k) out << (k ? ", " : "") << Quote(q.ids[k]);
      out << "], \"scores\": [";
      for (size_t k = 0; k < q.scores.size(); ++k) {
        std::snprintf(buf, sizeof buf, "%s%.6g", k ? ", " : "", q.scores[k]);
        out << buf;
      }
      out << "]";
      if (q.is_facet) {
        out << ", \"facets\": [";
        for (size_t k = 0; k < q.facets.size(); ++k)
          out << (k ? ", " : "") << "{\"value\": " << Quote(q.facets[k].value) << ", \"count\": " << q.facets[k].count
              << "}";
        out << "]";
      }
      out << "}\n";
    }
    if (!out) throw std::runtime_error("cannot write " + outfile);
  }
  if (sink + run.sink() == 42) std::fprintf(stderr, " ");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    vector<string> a(argv + 1, argv + argc);
    if (a.size() == 4 && a[0] == "index") return DoIndex(a[1], a[2], a[3]);
    if (a.size() >= 4 && a[0] == "query") {
      int reps = 5, warmup = 2;
      double warmup_s = 20;
      string out;
      for (size_t i = 4; i < a.size(); ++i) {
        if (i + 1 >= a.size()) throw std::runtime_error("option " + a[i] + " needs a value");
        if (a[i] == "--reps") reps = std::stoi(a[++i]);
        else if (a[i] == "--warmup") warmup = std::stoi(a[++i]);
        else if (a[i] == "--warmup-s") warmup_s = std::stod(a[++i]);
        else if (a[i] == "--out") out = a[++i];
        else throw std::runtime_error("unknown option " + a[i]);
      }
      return DoQuery(a[1], a[2], a[3], std::max(1, reps), warmup, warmup_s, out);
    }
  } catch (const std::exception& e) {
    std::cerr << kEngine << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: trawl-typed-bench index CORPUS.jsonl SCHEMA.json INDEXDIR\n"
               "       trawl-typed-bench query INDEXDIR SCHEMA.json QUERIES.jsonl [--reps R] [--warmup W] "
               "[--warmup-s S] [--out RESULTS.jsonl]\n";
  return 2;
}
