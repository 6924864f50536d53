// Every query feature against a brute-force reference on generated corpora: random documents
// over a Zipfian vocabulary (fixed seeds), indexed into several segments over two commits; for
// random term, indexed term, OR, AND, NOT, phrase, slop, field and prefix queries (also ones whose positive
// clauses match nothing or analyze to no term, beside exclusions) the exact count equals the
// reference and the top-k equals exhaustive BM25, or BM25F with field weights and per-field b,
// with or without term proximity (ties broken by docid), and --explain's total is the score;
// with deleted documents too, for counts. Each query is run built in code too (trawl/query.h),
// alone and restricted by a filter clause, with explanation trees whose value is the score.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "analysis/analyzer.h"
#include "searcher/query_parser.h"
#include "tests/built_query.h"
#include "tests/sanitizer.h"
#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace query_property_test {
namespace {

constexpr double kK1 = 1.2, kB = 0.75;

struct RefDoc {
  std::string id;
  // field -> analyzed terms in position order (positions are indexes: no stop words here)
  std::map<std::string, std::vector<std::string>> fields;
};

// BM25F as docs/query-language.md defines it, for words without a field.
struct Bm25fConfig {
  bool on = false;
  std::map<std::string, double, std::less<>> weights;  // default 1
  std::map<std::string, double, std::less<>> b;        // default kB
};

// Term proximity as docs/query-language.md defines it, for bags of words.
struct ProximityConfig {
  double weight = 0;  // 0: off
  uint32_t window = 5;
};

// Each field's analyzer: a word searched in a field is analyzed by that field's.
using FieldAnalyzerMap = std::map<std::string, Analyzer*>;

class Reference {
 public:
  Reference(std::vector<RefDoc> docs, Analyzer* analyzer, Bm25fConfig bm25f = {},
            ProximityConfig proximity = {})
      : Reference(std::move(docs), FieldAnalyzerMap{{"title", analyzer}, {"body", analyzer}},
                  std::move(bm25f), proximity) {}
  Reference(std::vector<RefDoc> docs, FieldAnalyzerMap analyzers, Bm25fConfig bm25f = {},
            ProximityConfig proximity = {})
      : docs_(std::move(docs)),
        analyzers_(std::move(analyzers)),
        bm25f_(std::move(bm25f)),
        proximity_(proximity) {
    for (const auto& d : docs_) {
      for (const auto& [f, terms] : d.fields) {
        if (terms.empty()) continue;
        n_[f] += 1;
        total_[f] += terms.size();
        std::set<std::string> uniq(terms.begin(), terms.end());
        for (const auto& t : uniq) df_[f][t] += 1;
      }
    }
  }

  // Per document: does it match, and its score.
  struct Eval {
    std::vector<bool> match;
    std::vector<double> score;
    // A word or phrase that analyzes to no term, or a group of nothing else: left out of the
    // enclosing query as if it were not there (Lucene's QueryParser does not add it). A word
    // that analyzes to a term no document has is not left out: it is a clause matching nothing.
    bool dropped = false;
  };

  Eval Run(const QueryNode& q) const {
    const size_t n = docs_.size();
    Eval e{std::vector<bool>(n, false), std::vector<double>(n, 0.0)};
    switch (q.kind) {
      case QueryNode::Kind::kMatchAll:
        std::fill(e.match.begin(), e.match.end(), true);
        std::fill(e.score.begin(), e.score.end(), 1.0);
        return e;
      case QueryNode::Kind::kTerm:
      case QueryNode::Kind::kPhrase: {
        // Left out only when no field's analyzer makes a term of it.
        std::map<std::string, std::vector<std::string>> terms;
        e.dropped = true;
        bool at_most_one_each = true;
        for (const std::string& f : Fields(q.field)) {
          terms[f] = An(f).Terms(q.text);
          e.dropped = e.dropped && terms[f].empty();
          at_most_one_each = at_most_one_each && terms[f].size() <= 1;
        }
        if (bm25f_.on && q.field.empty() && q.kind == QueryNode::Kind::kTerm && !e.dropped &&
            at_most_one_each) {
          std::map<std::string, std::string> term_of;
          for (const auto& [f, t] : terms)
            if (!t.empty()) term_of[f] = t[0];
          Bm25fTerm(term_of, &e);
          return e;
        }
        for (const std::string& f : Fields(q.field)) {
          if (terms[f].size() == 1) {
            TermInField(f, terms[f][0], &e);
          } else if (terms[f].size() > 1) {
            PhraseInField(f, terms[f], q.slop, &e);
          }
        }
        return e;
      }
      case QueryNode::Kind::kIndexedTerm:
        // Never analyzed, never left out: a term no document has matches nothing.
        TermInField(q.field, q.text, &e);
        return e;
      case QueryNode::Kind::kPrefix: {
        for (const std::string& f : Fields(q.field)) {
          const std::string prefix = An(f).Fold(q.text);
          for (size_t d = 0; d < n; ++d) {
            auto it = docs_[d].fields.find(f);
            if (it == docs_[d].fields.end()) continue;
            for (const auto& t : it->second) {
              if (t.compare(0, prefix.size(), prefix) == 0) {
                e.match[d] = true;
                e.score[d] += 1.0;
                break;
              }
            }
          }
        }
        return e;
      }
      case QueryNode::Kind::kFuzzy:
      case QueryNode::Kind::kWildcard:
      case QueryNode::Kind::kRange:
      case QueryNode::Kind::kExists:
      case QueryNode::Kind::kMatch:
        // Not generated here: tests/query_multiterm_test.cc has their reference.
        ADD_FAILURE() << "unexpected query kind in " << q.ToString();
        return e;
      case QueryNode::Kind::kBoolean:
        break;
    }
    // Clauses that match nothing stay: with a required or optional clause left, documents match
    // through those; with only negations left, every document the negations do not match; with
    // nothing left, the group is left out in turn.
    // A filter clause is a required one that scores nothing.
    std::vector<Eval> must, should, must_not;
    for (const auto& c : q.clauses) {
      Eval sub = Run(*c.node);
      if (sub.dropped) continue;
      if (c.occur == QueryNode::Occur::kFilter) std::fill(sub.score.begin(), sub.score.end(), 0.0);
      if (c.occur == QueryNode::Occur::kMust || c.occur == QueryNode::Occur::kFilter)
        must.push_back(std::move(sub));
      if (c.occur == QueryNode::Occur::kShould) should.push_back(std::move(sub));
      if (c.occur == QueryNode::Occur::kMustNot) must_not.push_back(std::move(sub));
    }
    const bool purely_negative = must.empty() && should.empty() && !must_not.empty();
    e.dropped = must.empty() && should.empty() && must_not.empty();
    for (size_t d = 0; d < n; ++d) {
      bool ok = true;
      double s = 0;
      for (const auto& m : must) {
        ok = ok && m.match[d];
        s += m.score[d];
      }
      bool any_should = false;
      for (const auto& sh : should) {
        if (sh.match[d]) {
          any_should = true;
          s += sh.score[d];
        }
      }
      if (must.empty()) ok = purely_negative || any_should;
      for (const auto& mn : must_not) ok = ok && !mn.match[d];
      e.match[d] = ok;
      e.score[d] = ok ? s : 0;
    }
    return e;
  }

  // A whole query: Run, plus term proximity when the query is a bag of words (only optional
  // words without a field). The words analyzing to one term (by the field's analyzer), in
  // query order, pair with their neighbours; each distinct pair counts once, in every field.
  Eval RunQuery(const QueryNode& q) const {
    Eval e = Run(q);
    if (proximity_.weight <= 0 || q.kind != QueryNode::Kind::kBoolean || e.dropped) return e;
    for (const auto& c : q.clauses) {
      if (c.occur != QueryNode::Occur::kShould || c.node->kind != QueryNode::Kind::kTerm ||
          !c.node->field.empty())
        return e;
    }
    for (const std::string& f : Fields("")) {
      std::vector<std::string> sequence;
      for (const auto& c : q.clauses) {
        std::vector<std::string> terms = An(f).Terms(c.node->text);
        if (terms.size() == 1) sequence.push_back(terms[0]);
      }
      std::set<std::pair<std::string, std::string>> pairs;
      for (size_t k = 0; k + 1 < sequence.size(); ++k) {
        if (sequence[k] != sequence[k + 1])
          pairs.insert(std::minmax(sequence[k], sequence[k + 1]));
      }
      const double avgdl = Get(total_, f) / Get(n_, f);
      for (size_t d = 0; d < docs_.size(); ++d) {
        auto it = docs_[d].fields.find(f);
        if (it == docs_[d].fields.end()) continue;
        const std::vector<std::string>& toks = it->second;
        const double norm = kK1 * (1 - kB + kB * toks.size() / avgdl);
        for (const auto& [a, b] : pairs) {
          // Every pair of occurrences of the two words, by brute force.
          double acc = 0;
          for (size_t p = 0; p < toks.size(); ++p) {
            if (toks[p] != a) continue;
            for (size_t r = 0; r < toks.size(); ++r) {
              const size_t dist = p > r ? p - r : r - p;
              if (toks[r] == b && dist >= 1 && dist <= proximity_.window)
                acc += 1.0 / (static_cast<double>(dist) * dist);
            }
          }
          if (acc == 0) continue;
          EXPECT_TRUE(e.match[d]) << "proximity never adds a match";
          const double idf = (Idf(f, a) + Idf(f, b)) / 2;
          e.score[d] += proximity_.weight * idf * (kK1 + 1) * acc / (acc + norm);
        }
      }
    }
    return e;
  }

  const std::vector<RefDoc>& docs() const { return docs_; }

 private:
  std::vector<std::string> Fields(const std::string& f) const {
    if (!f.empty()) return {f};
    return {"title", "body"};
  }
  double Idf(const std::string& f, const std::string& t) const {
    double n = Get(n_, f), df = DocFreq(f, t);
    return std::log(1 + (n - df + 0.5) / (df + 0.5));
  }
  double DocFreq(const std::string& f, const std::string& t) const {
    auto it = df_.find(f);
    if (it == df_.end()) return 0;
    auto jt = it->second.find(t);
    return jt == it->second.end() ? 0 : jt->second;
  }
  template <typename M>
  static double Get(const M& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : static_cast<double>(it->second);
  }
  double Bm25(const std::string& f, double idf, double tf, size_t dl) const {
    double avgdl = Get(total_, f) / Get(n_, f);
    return idf * (kK1 + 1) * tf / (tf + kK1 * (1 - kB + kB * dl / avgdl));
  }
  Analyzer& An(const std::string& field) const { return *analyzers_.at(field); }
  // `term_of`: the word's term in each field whose analyzer makes one. idf from the largest df
  // and N over the fields; tf~ = Σ w·tf/(1 − b + b·dl/avgdl).
  bool Bm25fTerm(const std::map<std::string, std::string>& term_of, Eval* e) const {
    double n = 0, df = 0;
    for (const std::string& f : Fields("")) {
      n = std::max(n, Get(n_, f));
      if (term_of.contains(f)) df = std::max(df, DocFreq(f, term_of.at(f)));
    }
    if (df == 0) return false;
    const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
    for (size_t d = 0; d < docs_.size(); ++d) {
      double combined = 0;
      bool match = false;
      for (const auto& [f, t] : term_of) {
        auto it = docs_[d].fields.find(f);
        if (it == docs_[d].fields.end()) continue;
        const double tf = std::count(it->second.begin(), it->second.end(), t);
        if (tf == 0) continue;
        match = true;
        auto w = bm25f_.weights.find(f);
        auto b = bm25f_.b.find(f);
        const double weight = w == bm25f_.weights.end() ? 1.0 : w->second;
        const double bf = b == bm25f_.b.end() ? kB : b->second;
        const double avgdl = Get(total_, f) / Get(n_, f);
        combined += weight * tf / (1 - bf + bf * it->second.size() / avgdl);
      }
      if (!match) continue;
      e->match[d] = true;
      e->score[d] += combined > 0 ? idf * (kK1 + 1) * combined / (kK1 + combined) : 0;
    }
    return true;
  }
  bool TermInField(const std::string& f, const std::string& t, Eval* e) const {
    if (DocFreq(f, t) == 0) return false;
    double idf = Idf(f, t);
    for (size_t d = 0; d < docs_.size(); ++d) {
      auto it = docs_[d].fields.find(f);
      if (it == docs_[d].fields.end()) continue;
      double tf = std::count(it->second.begin(), it->second.end(), t);
      if (tf == 0) continue;
      e->match[d] = true;
      e->score[d] += Bm25(f, idf, tf, it->second.size());
    }
    return true;
  }
  // Phrase frequency. Exact: occurrences. Sloppy: the documented definition (docs/query-language.md).
  static double PhraseFreq(const std::vector<std::string>& toks, const std::vector<std::string>& terms,
                           uint32_t slop) {
    const size_t k = terms.size();
    std::vector<std::vector<int64_t>> pos(k);
    for (size_t i = 0; i < k; ++i)
      for (size_t p = 0; p < toks.size(); ++p)
        if (toks[p] == terms[i]) pos[i].push_back(static_cast<int64_t>(p) - static_cast<int64_t>(i));
    for (const auto& v : pos)
      if (v.empty()) return 0;
    if (slop == 0) {
      double f = 0;
      for (int64_t s : pos[0]) {
        bool all = true;
        for (size_t i = 1; i < k; ++i) all = all && std::binary_search(pos[i].begin(), pos[i].end(), s);
        if (all) f += 1;
      }
      return f;
    }
    std::vector<size_t> idx(k, 0);
    int64_t end = INT64_MIN;
    for (size_t i = 0; i < k; ++i) end = std::max(end, pos[i][0]);
    double f = 0;
    for (;;) {
      // Pop the smallest (ties: lowest term index), as a min-heap on (value, term) does.
      size_t i = 0;
      for (size_t j = 1; j < k; ++j)
        if (pos[j][idx[j]] < pos[i][idx[i]]) i = j;
      int64_t next = INT64_MAX;
      for (size_t j = 0; j < k; ++j)
        if (j != i) next = std::min(next, pos[j][idx[j]]);
      int64_t start = pos[i][idx[i]];
      int64_t ml = end - start;
      bool exhausted = false;
      int64_t v = start;
      for (;;) {
        if (++idx[i] >= pos[i].size()) {
          exhausted = true;
          break;
        }
        v = pos[i][idx[i]];
        if (v > next) break;
        ml = std::min(ml, end - v);
      }
      if (ml <= static_cast<int64_t>(slop)) f += 1.0 / (1.0 + ml);
      if (exhausted) break;
      end = std::max(end, v);
    }
    return f;
  }
  bool PhraseInField(const std::string& f, const std::vector<std::string>& terms, uint32_t slop,
                     Eval* e) const {
    double idf = 0;
    for (const auto& t : terms) {
      if (DocFreq(f, t) == 0) return false;
      idf += Idf(f, t);
    }
    for (size_t d = 0; d < docs_.size(); ++d) {
      auto it = docs_[d].fields.find(f);
      if (it == docs_[d].fields.end()) continue;
      double freq = PhraseFreq(it->second, terms, slop);
      if (freq == 0) continue;
      e->match[d] = true;
      e->score[d] += Bm25(f, idf, freq, it->second.size());
    }
    return true;
  }

  std::vector<RefDoc> docs_;
  FieldAnalyzerMap analyzers_;
  Bm25fConfig bm25f_;
  ProximityConfig proximity_;
  std::map<std::string, size_t> n_, total_;
  std::map<std::string, std::map<std::string, size_t>> df_;
};

class QueryPropertyTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_prop_XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(Analyzer::Create({}, &analyzer_).ok());
    rng_.seed(GetParam());
    // Vocabulary: pronounceable words; Zipfian frequencies.
    const char* syll[] = {"ka", "lo", "mi", "ter", "von", "sa", "ru", "pel", "dax", "qui", "ne", "bo"};
    std::set<std::string> seen;
    while (vocab_.size() < 300) {
      std::string w;
      int n = 1 + rng_() % 3;
      for (int i = 0; i < n; ++i) w += syll[rng_() % 12];
      if (seen.insert(w).second) vocab_.push_back(w);
    }
    double sum = 0;
    for (size_t i = 0; i < vocab_.size(); ++i) sum += 1.0 / (i + 1);
    for (size_t i = 0; i < vocab_.size(); ++i) cdf_.push_back((i ? cdf_.back() : 0) + 1.0 / (i + 1) / sum);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Word() {
    double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    size_t i = std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
    std::string word = vocab_[std::min(i, vocab_.size() - 1)];
    return per_field_analyzers_ ? Inflected(std::move(word)) : word;
  }
  // Forms that a stemming, folding analyzer conflates and a plain one keeps apart: an English
  // suffix, accented or Nordic letters ("kaløs", "mírupel", "Sævon").
  std::string Inflected(std::string word) {
    if (rng_() % 3 == 0) {
      const char* const kForms[][2] = {{"a", "á"}, {"a", "æ"}, {"o", "ø"}, {"o", "ö"},
                                       {"e", "é"}, {"i", "í"}, {"u", "ü"}, {"s", "ß"}};
      const auto& [from, to] = kForms[rng_() % 8];
      if (const size_t at = word.find(from); at != std::string::npos) word.replace(at, 1, to);
    }
    if (rng_() % 4 == 0) word += std::vector<std::string>{"s", "ing", "ed"}[rng_() % 3];
    if (rng_() % 8 == 0 && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 32);
    return word;
  }
  // The first n code points of a UTF-8 word.
  static std::string FirstChars(const std::string& word, size_t n) {
    size_t end = 0;
    for (size_t chars = 0; end < word.size() && chars < n; ++chars) {
      ++end;
      while (end < word.size() && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) ++end;
    }
    return word.substr(0, end);
  }
  Analyzer* FieldAnalyzerOf(const std::string& field) {
    if (!per_field_analyzers_) return analyzer_.get();
    return field == "title" ? title_analyzer_.get() : body_analyzer_.get();
  }
  // Title: English stemming and ASCII folding; body: neither (the index's default stems, but
  // does not fold).
  void UsePerFieldAnalyzers() {
    per_field_analyzers_ = true;
    AnalyzerOptions title;
    title.ascii_folding = true;
    ASSERT_TRUE(Analyzer::Create(title, &title_analyzer_).ok());
    AnalyzerOptions body;
    body.language = "none";
    ASSERT_TRUE(Analyzer::Create(body, &body_analyzer_).ok());
  }
  static Schema PerFieldSchema() {
    FieldSpec title = FieldSpec::Default(FieldType::kText);
    title.analyzer.language = "english";
    title.analyzer.ascii_folding = true;
    FieldSpec body = FieldSpec::Default(FieldType::kText);
    body.analyzer.language = "none";
    Schema schema;
    EXPECT_TRUE(schema.AddField("title", title).ok());
    EXPECT_TRUE(schema.AddField("body", body).ok());
    return schema;
  }
  std::string Text(int min, int max) {
    int n = min + rng_() % (max - min + 1);
    std::string s;
    for (int i = 0; i < n; ++i) s += (i ? " " : "") + Word();
    return s;
  }
  // A bag of 2 to 6 words, as bare words or joined by OR.
  std::string RandomBag() {
    const int n = 2 + rng_() % 5;
    const bool with_or = rng_() % 4 == 0;
    std::string q;
    for (int i = 0; i < n; ++i) q += (i ? (with_or ? " OR " : " ") : "") + Word();
    return q;
  }
  std::string RandomQuery() {
    auto w = [&] { return Word(); };
    switch (rng_() % 21) {
      case 0: return w();
      case 1: return w() + " " + w();
      case 2: return w() + " " + w() + " " + w();
      case 3: return "+" + w() + " +" + w();
      case 4: return w() + " AND " + w();
      case 5: return w() + " -" + w();
      case 6: return "+" + w() + " " + w();
      case 7: return "NOT " + w();
      case 8: return "\"" + w() + " " + w() + "\"";
      case 9: return "\"" + w() + " " + w() + "\"~" + std::to_string(1 + rng_() % 3);
      case 10: return "title:" + w() + " body:" + w();
      case 11: return FirstChars(w(), 2) + "*";
      case 12: return "(" + w() + " OR " + w() + ") AND " + w();
      // Required words over several fields with optional and excluded ones: MaxScore with
      // required groups.
      case 13: return "+" + w() + " -" + w();
      case 14: return "+" + w() + " +" + w() + " " + w() + " -" + w();
      case 15: return "+\"" + w() + " " + w() + "\" " + w();
      case 16: return "+title:" + w() + " +" + w() + " body:" + w();
      // Phrases as MaxScore clauses beside words: confirmed only where they can compete
      // (two-phase), or advanced onto as non-essential clauses.
      case 17: return "\"" + w() + " " + w() + "\" " + w();
      case 18: return "+" + w() + " \"" + w() + " " + w() + "\"";
      case 19: return "\"" + w() + " " + w() + "\" \"" + w() + " " + w() + "\" -" + w();
      default: return "\"" + w() + " " + w() + " " + w() + "\"~" + std::to_string(rng_() % 4);
    }
  }

  // Indexed terms (field:=term, never analyzed): a word's term as its field's analyzer makes
  // it, or now and then the word as written (capitals, accents, a suffix the stemmer takes off:
  // then mostly no term of the index), alone and beside analyzed words and phrases.
  std::string RandomIndexedTermQuery() {
    auto w = [&] { return Word(); };
    auto indexed = [&] {
      const std::string field = rng_() % 2 ? "title" : "body";
      const std::string word = Word();
      const std::vector<std::string> terms = FieldAnalyzerOf(field)->Terms(word);
      const std::string term = terms.size() == 1 && rng_() % 4 != 0 ? terms[0] : word;
      return field + (rng_() % 2 ? ":=" + term : ":=\"" + term + "\"");
    };
    switch (rng_() % 6) {
      case 0: return indexed();
      case 1: return indexed() + " " + indexed();
      case 2: return "+" + indexed() + " +" + indexed();
      case 3: return indexed() + " " + w() + " -" + indexed();
      case 4: return "+" + indexed() + " \"" + w() + " " + w() + "\"";
      default: return "(" + indexed() + " OR " + w() + ") AND " + indexed();
    }
  }

  // Hundreds of words and prefixes, many of them repeated (a word or prefix that occurs again
  // becomes one clause of twice the boost): enough clauses for disjunctions and MaxScore to
  // find the clauses on a document through a heap. Optional ones, now and then with an
  // exclusion, or with a phrase (so that exact counts come from a scoring pass over the
  // disjunction); or exclusions only.
  std::string RandomLongQuery() {
    const int n = 150 + static_cast<int>(rng_() % 250);
    const uint32_t shape = rng_() % 4;
    std::string q;
    for (int i = 0; i < n; ++i) {
      if (i > 0) q += shape != 3 && rng_() % 4 == 0 ? " OR " : " ";
      if (shape == 3) q += "-";
      if (rng_() % 10 == 0) {
        q += FirstChars(Word(), 2) + "*";
      } else {
        q += Word();
      }
    }
    if (shape == 1) q += " -" + Word();
    if (shape == 2) q += " \"" + Word() + " " + Word() + "\"";
    return q;
  }

  // Queries whose positive clauses cannot match (words and phrases no document has, a prefix
  // of nothing) or analyze to no term (punctuation), beside exclusions, alone and in groups.
  std::string RandomVanishingQuery() {
    auto w = [&] { return Word(); };
    // No vocabulary word has a 'z' (see the syllables), and the tokenizer keeps no punctuation.
    auto absent = [&] { return std::string(rng_() % 2 ? "zzzz" : "zyxq") + "abcdef"[rng_() % 6]; };
    auto punct = [&] {
      const char* const kPunctuation[] = {"#", "...", "%", "$"};
      return std::string(kPunctuation[rng_() % 4]);
    };
    switch (rng_() % 20) {
      case 0: return absent() + " -" + w();
      case 1: return "\"" + w() + " " + absent() + " " + w() + "\" -" + w();
      case 2: return "zz* -" + w();
      case 3: return punct() + " -" + w();
      case 4: return "+(" + absent() + " " + absent() + ") -" + w();
      case 5: return "(" + absent() + " -" + w() + ") OR " + w();
      case 6: return "+" + punct() + " " + w() + " -" + w();
      case 7: return "(" + punct() + " -" + w() + ") OR " + absent();
      case 8: return rng_() % 2 ? "-" + punct() : "NOT " + punct();
      case 9: return punct() + " " + absent() + " -" + w();
      case 10: return "+" + punct() + " +" + w() + " -" + w();
      case 11: return "(" + punct() + " " + punct() + ") -" + w();
      case 12: return absent() + " " + w() + " -" + w();
      case 13: return "+" + w() + " +(" + absent() + " -" + w() + ")";
      case 14: return "\"" + punct() + " " + punct() + "\" -" + w();
      case 15: return "title:" + absent() + " -" + w();
      case 16: return "-" + punct() + " -" + w();
      case 17: return "(" + absent() + " -" + w() + ") " + w() + " -" + w();
      case 18: return "(" + punct() + ") OR " + w() + " " + absent();
      default: return "(" + w() + " AND " + absent() + ") OR (zz* -" + w() + ") OR " + w();
    }
  }

  std::vector<RefDoc> BuildIndex();
  // With proximity on, half the queries are bags of words, and a bag of bare words is also run
  // as a plain-text query, which must give the same hits.
  void CheckRandomQueries(const Bm25fConfig& bm25f, const ProximityConfig& proximity = {});

  std::string dir_;
  std::unique_ptr<Analyzer> analyzer_;
  bool per_field_analyzers_ = false;
  std::unique_ptr<Analyzer> title_analyzer_, body_analyzer_;
  std::mt19937 rng_;
  std::vector<std::string> vocab_;
  std::vector<double> cdf_;
};

// Indexes two commits of random documents into dir_ and returns them for the reference.
std::vector<RefDoc> QueryPropertyTest::BuildIndex() {
  std::vector<RefDoc> ref_docs;
  const int num_docs = 1500;
  for (int batch = 0; batch < 2; ++batch) {
    IndexWriterOptions opts;
    opts.memory_budget_bytes = 96 << 10;  // several segments per commit
    if (per_field_analyzers_) opts.schema = PerFieldSchema();
    std::unique_ptr<IndexWriter> writer;
    EXPECT_TRUE(IndexWriter::Open(dir_, opts, &writer).ok());
    for (int i = 0; i < num_docs / 2; ++i) {
      Document doc;
      doc.id = "d" + std::to_string(ref_docs.size());
      doc.fields.emplace_back("title", Text(0, 6));
      doc.fields.emplace_back("body", Text(1, 80));
      RefDoc r;
      r.id = doc.id;
      for (const auto& [f, v, kind] : doc.fields) r.fields[f] = FieldAnalyzerOf(f)->Terms(v);
      ref_docs.push_back(std::move(r));
      EXPECT_TRUE(writer->Add(doc).ok());
    }
    EXPECT_TRUE(writer->Commit().ok());
  }
  return ref_docs;
}

void QueryPropertyTest::CheckRandomQueries(const Bm25fConfig& bm25f,
                                           const ProximityConfig& proximity) {
  std::vector<RefDoc> ref_docs = BuildIndex();
  Reference ref(ref_docs,
                FieldAnalyzerMap{{"title", FieldAnalyzerOf("title")},
                                 {"body", FieldAnalyzerOf("body")}},
                bm25f, proximity);
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher).ok());
  ASSERT_EQ(searcher->num_docs(), ref_docs.size());
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < ref_docs.size(); ++i) index_of[ref_docs[i].id] = i;
  // The matches of the reference's evaluation, best first (ties: by docid).
  auto ranked = [&](const Reference::Eval& e) {
    std::vector<size_t> expected;
    for (size_t d = 0; d < ref_docs.size(); ++d)
      if (e.match[d]) expected.push_back(d);
    std::stable_sort(expected.begin(), expected.end(),
                     [&](size_t a, size_t b) { return e.score[a] > e.score[b]; });
    return expected;
  };
  auto search_options = [&](size_t k, bool exact_total) {
    SearchOptions so;
    so.top_k = k;
    so.exact_total = exact_total;
    so.proximity = proximity.weight;
    so.proximity_window = proximity.window;
    so.bm25f = bm25f.on;
    so.field_weights = bm25f.weights;
    so.field_b = bm25f.b;
    so.explain = k == 10;
    // Ids are what the checks need from the stored document; snippets are tested on their own.
    so.snippet_chars = 0;
    return so;
  };
  // A query built in code: the reference's count, hits and scores, and explanation trees
  // whose value is the score.
  auto check_built = [&](const Query& query) {
    SCOPED_TRACE("built: " + query.ToString());
    const Reference::Eval e = ref.RunQuery(query.node());
    const std::vector<size_t> expected = ranked(e);
    for (const auto& [k, exact_total] :
         std::vector<std::pair<size_t, bool>>{{10, true}, {100, false}}) {
      SearchResults res;
      Status s = searcher->Search(query, search_options(k, exact_total), &res);
      ASSERT_TRUE(s.ok()) << s.ToString();
      if (exact_total) {
        ASSERT_EQ(res.total, expected.size());
      }
      ASSERT_EQ(res.hits.size(), std::min(k, expected.size()));
      for (size_t i = 0; i < res.hits.size(); ++i) {
        const double want = e.score[expected[i]];
        ASSERT_NEAR(res.hits[i].score, want, 1e-9 * std::max(1.0, want)) << "rank " << i;
        const size_t got = index_of.at(res.hits[i].id);
        if (got != expected[i]) {
          ASSERT_NEAR(e.score[got], want, 1e-9 * std::max(1.0, want)) << "rank " << i;
        }
        if (k == 10) {
          ASSERT_NEAR(res.hits[i].explain_tree.value, res.hits[i].score,
                      1e-9 * std::max(1.0, res.hits[i].score))
              << res.hits[i].explanation;
          ASSERT_EQ(res.hits[i].explanation, res.hits[i].explain_tree.ToString());
        }
      }
    }
    uint64_t count;
    ASSERT_TRUE(searcher->Count(query, search_options(10, true), &count).ok());
    ASSERT_EQ(count, expected.size());
  };

  size_t indexed_terms_matching = 0;  // indexed-term queries with a match: the check saw some
  for (int qi = 0; qi < 190; ++qi) {
    const std::string query = qi >= 150                                  ? RandomVanishingQuery()
                              : qi % 10 == 5                             ? RandomLongQuery()
                              : qi % 10 == 8 ? RandomIndexedTermQuery()
                              : proximity.weight > 0 && rng_() % 2 == 0 ? RandomBag()
                                                                         : RandomQuery();
    // Under ASan a third of the queries, of every kind (long ones and vanishing ones too).
    if (kUnderAsan && qi % 3 != 0) continue;
    SCOPED_TRACE("query: " + query);
    std::unique_ptr<QueryNode> parsed;
    ASSERT_TRUE(ParseQuery(query, &parsed).ok());
    Reference::Eval e = ref.RunQuery(*parsed);
    std::vector<size_t> expected;
    for (size_t d = 0; d < ref_docs.size(); ++d)
      if (e.match[d]) expected.push_back(d);
    std::stable_sort(expected.begin(), expected.end(),
                     [&](size_t a, size_t b) { return e.score[a] > e.score[b]; });
    if (query.find(":=") != std::string::npos && !expected.empty()) ++indexed_terms_matching;
    const bool bare_words = query.find_first_of("+-\"*:()") == std::string::npos &&
                            query.find(" OR ") == std::string::npos &&
                            query.find(" AND ") == std::string::npos &&
                            query.find("NOT ") == std::string::npos;
    for (int run = 0; run < (proximity.weight > 0 && bare_words ? 8 : 4); ++run)
    for (bool exact_total : {true, false}) {
      const size_t k = std::vector<size_t>{1, 10, 100, 1000}[run % 4];
      SearchOptions so;
      so.top_k = k;
      so.exact_total = exact_total;
      so.plain_text = run >= 4;
      so.proximity = proximity.weight;
      so.proximity_window = proximity.window;
      so.bm25f = bm25f.on;
      SCOPED_TRACE(std::string(so.plain_text ? "plain text" : "query language") + ", k " +
                   std::to_string(k));
      so.field_weights = bm25f.weights;
      so.field_b = bm25f.b;
      so.explain = k == 10;
      so.snippet_chars = 0;
      SearchResults res;
      Status s = searcher->Search(query, so, &res);
      ASSERT_TRUE(s.ok()) << s.ToString();
      if (res.total_exact) {
        ASSERT_EQ(res.total, expected.size());
      } else {
        ASSERT_FALSE(exact_total);
        ASSERT_LE(res.total, expected.size());
      }
      ASSERT_EQ(res.hits.size(), std::min(k, expected.size()));
      for (size_t i = 0; i < res.hits.size(); ++i) {
        const double want = e.score[expected[i]];
        ASSERT_NEAR(res.hits[i].score, want, 1e-9 * std::max(1.0, want)) << "rank " << i;
        const size_t got = index_of.at(res.hits[i].id);
        if (got != expected[i]) {
          // Only a tie may reorder documents, and then the lower docid must come first.
          ASSERT_NEAR(e.score[got], want, 1e-9 * std::max(1.0, want)) << "rank " << i;
        }
        if (so.explain) {
          // The explanation's first line is its total, printed with 6 significant digits.
          const double explained = std::stod(res.hits[i].explanation);
          ASSERT_NEAR(explained, res.hits[i].score, 1e-5 * std::max(1.0, want))
              << res.hits[i].explanation;
        }
      }
    }
    uint64_t count;
    ASSERT_TRUE(searcher->Count(query, &count).ok());
    ASSERT_EQ(count, expected.size());

    // Built in code: the same tree, so the same answers; and restricted by a filter clause (a
    // word or a prefix, in turn required beside the query or beside optional words of it).
    if (qi % 4 != 0) continue;
    const Query built = BuiltQuery(*parsed);
    ASSERT_EQ(built.ToString(), parsed->ToString());
    check_built(built);
    const Query filter =
        qi % 8 ? Query::Term("", Word()) : Query::Prefix("body", FirstChars(Word(), 2));
    if (qi % 3 == 0) {
      check_built(Query::Boolean().Must(built).Filter(filter));
    } else {
      check_built(built.Filter(filter).MustNot(Query::Term("title", Word())));
    }
  }
  EXPECT_GT(indexed_terms_matching, 0u);
}

TEST_P(QueryPropertyTest, CountsAndTopKMatchBruteForce) { CheckRandomQueries({}); }

TEST_P(QueryPropertyTest, Bm25fTopKMatchesBruteForce) {
  Bm25fConfig bm25f;
  bm25f.on = true;
  bm25f.weights = {{"title", 2.5}};
  bm25f.b = {{"title", 0.3}, {"body", 0.9}};
  CheckRandomQueries(bm25f);
}

TEST_P(QueryPropertyTest, ProximityTopKMatchesBruteForce) {
  ProximityConfig proximity;
  proximity.weight = 1.7;
  proximity.window = 4;
  CheckRandomQueries({}, proximity);
}

TEST_P(QueryPropertyTest, ProximityWithBm25fTopKMatchesBruteForce) {
  Bm25fConfig bm25f;
  bm25f.on = true;
  bm25f.weights = {{"title", 2.5}};
  bm25f.b = {{"title", 0.3}, {"body", 0.9}};
  ProximityConfig proximity;
  proximity.weight = 0.6;
  CheckRandomQueries(bm25f, proximity);
}

// With documents deleted from some segments: conjunctions and disjunctions of terms (counted
// straight on the posting lists, less the deletions), single terms, and the other query kinds
// count the live documents the reference matches, in Count and in an exact total.
TEST_P(QueryPropertyTest, CountsWithDeletionsMatchBruteForce) {
  std::vector<RefDoc> ref_docs = BuildIndex();
  std::vector<bool> deleted(ref_docs.size(), false);
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_, {}, &writer).ok());
    // Only among the earlier documents, so that later segments have no deletions.
    for (size_t d = 0; d < ref_docs.size() * 2 / 3; ++d) {
      if (rng_() % 4 != 0) continue;
      deleted[d] = true;
      bool found = false;
      ASSERT_TRUE(writer->Delete(ref_docs[d].id, &found).ok());
      ASSERT_TRUE(found);
    }
    ASSERT_TRUE(writer->Commit().ok());
  }
  Reference ref(ref_docs, analyzer_.get());
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher).ok());
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < ref_docs.size(); ++i) index_of[ref_docs[i].id] = i;
  auto field_word = [&] { return std::string(rng_() % 4 == 0 ? "title:" : "body:") + Word(); };
  for (int qi = 0; qi < 230; ++qi) {
    std::string query;
    switch (qi >= 200 ? -1 : static_cast<int>(rng_() % 7)) {
      case -1:
        query = RandomVanishingQuery();
        break;
      case 0:
        query = RandomQuery();
        break;
      case 1:  // 2 to 4 required terms, some with an optional one
        for (int i = 0, n = 2 + rng_() % 3; i < n; ++i) query += (i ? " +" : "+") + field_word();
        if (rng_() % 3 == 0) query += " " + field_word();
        break;
      case 2:
        query = field_word() + " AND " + field_word() + " AND " + field_word();
        break;
      case 3:  // 1 to 4 optional terms
        for (int i = 0, n = 1 + rng_() % 4; i < n; ++i) query += (i ? " " : "") + field_word();
        break;
      case 4:  // words over both fields: unions, and intersections of unions
        query = rng_() % 2 ? Word() + " " + Word() : "+" + Word() + " +" + Word();
        break;
      case 5:
        query = "(" + field_word() + " OR " + field_word() + ") AND " + field_word();
        break;
      default:
        query = field_word();
        break;
    }
    SCOPED_TRACE("query: " + query);
    std::unique_ptr<QueryNode> parsed;
    ASSERT_TRUE(ParseQuery(query, &parsed).ok());
    const Reference::Eval e = ref.RunQuery(*parsed);
    uint64_t expected = 0;
    for (size_t d = 0; d < ref_docs.size(); ++d) expected += e.match[d] && !deleted[d];
    uint64_t count;
    ASSERT_TRUE(searcher->Count(query, &count).ok());
    ASSERT_EQ(count, expected);
    // The top 10 of the live matches too, with and without an exact total (the second prunes
    // by block bounds, passing over deleted documents in the scorers' own loops). BM25's
    // statistics still count the deleted documents, and so do the reference's.
    std::vector<size_t> ranked;
    for (size_t d = 0; d < ref_docs.size(); ++d)
      if (e.match[d] && !deleted[d]) ranked.push_back(d);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](size_t a, size_t b) { return e.score[a] > e.score[b]; });
    for (bool exact_total : {true, false}) {
      SearchOptions so;
      so.top_k = 10;
      so.exact_total = exact_total;
      so.snippet_chars = 0;
      SearchResults res;
      ASSERT_TRUE(searcher->Search(query, so, &res).ok());
      if (exact_total) {
        ASSERT_EQ(res.total, expected);
      }
      ASSERT_EQ(res.hits.size(), std::min<size_t>(10, ranked.size()));
      for (size_t i = 0; i < res.hits.size(); ++i) {
        const double want = e.score[ranked[i]];
        ASSERT_NEAR(res.hits[i].score, want, 1e-9 * std::max(1.0, want)) << "rank " << i;
        const size_t got = index_of.at(res.hits[i].id);
        ASSERT_FALSE(deleted[got]) << "rank " << i;
        if (got != ranked[i]) {
          ASSERT_NEAR(e.score[got], want, 1e-9 * std::max(1.0, want)) << "rank " << i;
        }
      }
    }
  }
}

// Title and body analyzed differently (tests/field_analyzer_test.cc has the smaller cases): each
// word is analyzed by the analyzer of the field it is searched in, in terms, phrases, prefixes,
// BM25F (one word, a term per field) and proximity, as the reference does with each field's
// own Analyzer.
TEST_P(QueryPropertyTest, PerFieldAnalyzersMatchBruteForce) {
  UsePerFieldAnalyzers();
  CheckRandomQueries({});
}

TEST_P(QueryPropertyTest, PerFieldAnalyzersWithBm25fAndProximityMatchBruteForce) {
  UsePerFieldAnalyzers();
  Bm25fConfig bm25f;
  bm25f.on = true;
  bm25f.weights = {{"title", 2.5}};
  bm25f.b = {{"title", 0.3}, {"body", 0.9}};
  ProximityConfig proximity;
  proximity.weight = 0.6;
  CheckRandomQueries(bm25f, proximity);
}

#if defined(TRAWL_TEST_UNDER_ASAN)
// The sanitizer build checks memory on one generated index; more seeds only repeat the same
// code paths on other data, which the Release build covers with all three.
INSTANTIATE_TEST_SUITE_P(Seeds, QueryPropertyTest, ::testing::Values(1));
#else
INSTANTIATE_TEST_SUITE_P(Seeds, QueryPropertyTest, ::testing::Values(1, 2, 3));
#endif

// Documents of one field, body, indexed in two commits of `per_batch` documents whose texts
// `next_text` makes; then documents of the first commit are deleted, from the first on, each
// `next_gap()` after the one before. The documents, analyzed, are kept for the reference (BM25
// statistics still count deleted documents, so it holds them all), with the deleted ones'
// numbers.
struct BodyIndex {
  std::vector<RefDoc> docs;
  std::set<size_t> deleted;
  std::map<std::string, size_t> number_of;  // id -> index in docs
};

void BuildBodyIndex(const std::string& dir, Analyzer* analyzer, size_t per_batch,
                    size_t memory_budget_bytes, const std::function<std::string()>& next_text,
                    const std::function<size_t()>& next_gap, BodyIndex* out) {
  for (int batch = 0; batch < 2; ++batch) {
    IndexWriterOptions options;
    options.memory_budget_bytes = memory_budget_bytes;
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir, options, &writer).ok());
    for (size_t i = 0; i < per_batch; ++i) {
      const std::string text = next_text();
      Document doc;
      doc.id = "d" + std::to_string(out->docs.size());
      doc.fields.emplace_back("body", text);
      RefDoc ref;
      ref.id = doc.id;
      ref.fields["body"] = analyzer->Terms(text);
      out->number_of[ref.id] = out->docs.size();
      out->docs.push_back(std::move(ref));
      ASSERT_TRUE(writer->Add(doc).ok());
    }
    ASSERT_TRUE(writer->Commit().ok());
    if (batch == 1) {
      for (size_t d = 0; d < per_batch; d += next_gap()) {
        ASSERT_TRUE(writer->Delete(out->docs[d].id).ok());
        out->deleted.insert(d);
      }
      ASSERT_TRUE(writer->Commit().ok());
    }
  }
}

// The documents `e` matches that are not deleted, best first (ties: in index order).
std::vector<size_t> RankedLiveMatches(const Reference::Eval& e, const std::set<size_t>& deleted) {
  std::vector<size_t> ranked;
  for (size_t d = 0; d < e.match.size(); ++d)
    if (e.match[d] && !deleted.count(d)) ranked.push_back(d);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [&](size_t a, size_t b) { return e.score[a] > e.score[b]; });
  return ranked;
}

// The same for `query` as the parser reads it, run by `ref`, whose evaluation goes to *e.
std::vector<size_t> RankedLiveMatches(const Reference& ref, const std::string& query,
                                      const std::set<size_t>& deleted, Reference::Eval* e) {
  std::unique_ptr<QueryNode> parsed;
  EXPECT_TRUE(ParseQuery(query, &parsed).ok()) << query;
  *e = parsed != nullptr ? ref.RunQuery(*parsed) : Reference::Eval();
  return RankedLiveMatches(*e, deleted);
}

// Phrase counting and matching read positions only up to a document's first occurrence, and
// skip what they pass over: checked against brute force on documents where that matters (long
// ones, with posting lists of many blocks, multi-byte position deltas, a word repeated within
// the phrase), in segments with and without deleted documents.
TEST(PhraseCount, MatchesBruteForceOnLongRepetitiveDocuments) {
  const std::string dir = FreshTempDir("trawl_phrase").string();
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create({}, &analyzer).ok());
  std::mt19937 rng(11);
  // Four common words and a rare one, whose gaps are often over 127 positions.
  const std::vector<std::string> words = {"ka", "lo", "mi", "ter", "zed"};
  const std::vector<double> weights = {40, 30, 20, 10, 0.4};
  std::discrete_distribution<size_t> word(weights.begin(), weights.end());
  size_t made = 0;
  auto next_text = [&] {
    // Mostly a few hundred words; now and then over 16384, for three-byte first positions.
    const size_t length = made++ % 400 % 97 == 0 ? 17000 + rng() % 3000 : 1 + rng() % 400;
    std::string text;
    for (size_t t = 0; t < length; ++t) text += (t ? " " : "") + words[word(rng)];
    return text;
  };
  BodyIndex index;
  BuildBodyIndex(
      dir, analyzer.get(), 400, 1 << 20, next_text, [&] { return 1 + rng() % 9; }, &index);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::set<size_t>& deleted = index.deleted;
  Reference ref(index.docs, analyzer.get());
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir, {}, &searcher).ok());

  std::vector<std::string> queries;
  for (const auto& a : words)
    for (const auto& b : words) {
      queries.push_back("\"" + a + " " + b + "\"");
      queries.push_back("\"" + a + " " + b + "\"~2");
      for (const auto& c : words) queries.push_back("\"" + a + " " + b + " " + c + "\"");
    }
  queries.push_back("\"ka lo ka lo\"");
  queries.push_back("\"zed ka zed\"");
  queries.push_back("\"ka ka ka ka\"~1");
  for (const std::string& query : queries) {
    SCOPED_TRACE("query: " + query);
    Reference::Eval e;
    const std::vector<size_t> expected = RankedLiveMatches(ref, query, deleted, &e);
    uint64_t count;
    ASSERT_TRUE(searcher->Count(query, &count).ok());
    ASSERT_EQ(count, expected.size());
    // Scoring reads every occurrence: the same documents, with the phrase frequencies' scores.
    SearchOptions options;
    options.top_k = 20;
    SearchResults res;
    ASSERT_TRUE(searcher->Search(query, options, &res).ok());
    ASSERT_EQ(res.total, expected.size());
    ASSERT_EQ(res.hits.size(), std::min<size_t>(20, expected.size()));
    for (size_t i = 0; i < res.hits.size(); ++i) {
      const double want = e.score[expected[i]];
      ASSERT_NEAR(res.hits[i].score, want, 1e-9 * std::max(1.0, want)) << "rank " << i;
      ASSERT_FALSE(deleted.count(index.number_of.at(res.hits[i].id)));
    }
  }
  std::filesystem::remove_all(dir);
}

// The top 1, 2, 10, 37 and 300 of `query` without exact totals against the reference's ranking
// of the live documents of `index`: the same scores rank by rank, and the same documents but
// where scores tie.
void ExpectTopKOfReference(const Searcher& searcher, const Reference& ref, const BodyIndex& index,
                           const std::string& query) {
  SCOPED_TRACE("query: " + query);
  Reference::Eval e;
  const std::vector<size_t> expected = RankedLiveMatches(ref, query, index.deleted, &e);
  for (size_t k : {1, 2, 10, 37, 300}) {
    SearchOptions options;
    options.top_k = k;
    options.exact_total = false;
    options.snippet_chars = 0;
    SearchResults res;
    ASSERT_TRUE(searcher.Search(query, options, &res).ok());
    ASSERT_EQ(res.hits.size(), std::min(k, expected.size()));
    for (size_t i = 0; i < res.hits.size(); ++i) {
      const double want = e.score[expected[i]];
      ASSERT_NEAR(res.hits[i].score, want, 1e-9 * std::max(1.0, want)) << "rank " << i;
      const size_t got = index.number_of.at(res.hits[i].id);
      ASSERT_FALSE(index.deleted.count(got));
      if (got != expected[i]) {  // only a tie may swap documents
        ASSERT_NEAR(e.score[got], want, 1e-9 * std::max(1.0, want)) << "rank " << i;
      }
    }
  }
}

// A lone term's top k reads the lengths of a block's postings only for those whose frequency
// could beat the threshold at the shortest length the block's impacts allow
// (TermScorer::CollectTopKAlone): checked against the reference's ranking on long posting lists
// of one segment, frequencies from 1 to a few hundred and lengths from 1 to thousands, so that
// many postings of the blocks read are passed over, in segments with and without deletions.
// Disjunctions of the same words go through MaxScore's block-max windows and its batches of the
// last essential clause: a rare word beside common ones soon leaves one common word alone
// essential. Exact phrases of them (a word repeated, or two words where one's run ends and the
// next begins) pass over candidates by their terms' least frequency at their window's shortest
// length before reading their own length (PhraseScorer::FreqCannotCompete).
TEST(TermTopK, PostingsPassedOverByFrequencyNeverChangeTheAnswer) {
  const std::string dir = FreshTempDir("trawl_termtopk").string();
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create({}, &analyzer).ok());
  std::mt19937 rng(5);
  const std::vector<std::string> words = {"ka", "lo", "mi", "ter"};
  auto next_text = [&] {
    // Each word: absent, once, a few times, or (rarely) hundreds of times; and filler words
    // from none to thousands, so that a frequency alone rarely decides.
    std::string text;
    for (const std::string& w : words) {
      const uint32_t r = rng() % 100;
      const size_t tf = r < 30 ? 0 : r < 80 ? 1 : r < 97 ? 2 + rng() % 6 : 20 + rng() % 300;
      for (size_t t = 0; t < tf; ++t) text += w + " ";
    }
    if (rng() % 40 == 0) text += rng() % 3 == 0 ? "zed zed " : "zed ";
    const size_t filler = rng() % 4 == 0 ? rng() % 3000 : rng() % 40;
    for (size_t t = 0; t < filler; ++t) text += "fil" + std::to_string(rng() % 50) + " ";
    return text;
  };
  BodyIndex index;
  // One segment per commit.
  BuildBodyIndex(
      dir, analyzer.get(), kUnderAsan ? 1200 : 3000, 64 << 20, next_text,
      [&] { return 1 + rng() % 5; }, &index);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  Reference ref(index.docs, analyzer.get());
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir, {}, &searcher).ok());
  std::vector<std::string> queries;
  for (const std::string& word : words) {
    queries.push_back(word);
    queries.push_back("body:" + word);
    queries.push_back("zed " + word);
  }
  for (const char* query :
       {"ka lo", "zed ka lo", "mi zed ter", "ka lo mi ter zed", "\"ka ka\"", "\"lo lo lo\"",
        "\"ka lo\"", "\"mi ter ter\"", "\"zed zed\"", "\"ka ka\" mi"})
    queries.push_back(query);
  for (const std::string& query : queries) {
    ExpectTopKOfReference(*searcher, ref, index, query);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  std::filesystem::remove_all(dir);
}

// A lone term's first block, offered to an empty collector, offers only its postings scoring at
// least a floor no higher than its k-th best score (TermScorer::CollectTopKAlone): ties at the
// floor are all offered, so the first indexed of them win as everywhere; and the whole block is
// offered where some of its best may not be taken: deleted, or refused by a search-after bound.
// 400 documents of one segment: d50 has the word three times in three tokens, 15 of the first
// block's (d0, d9, ..., d126) twice in two, the others once in two, so that each kind ties. Top
// k for several k, and every page of 3 and of 10 by cursor, against the ranking worked out here
// (d50, the 15, the others, each in index order); then again with 12 of the 15 deleted.
TEST(TermTopK, FirstBlockTiesDeletionsAndPagesKeepIndexOrder) {
  const std::string dir = FreshTempDir("trawl_termfloor").string();
  std::vector<std::string> best, better, tied;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
  for (int i = 0; i < 400; ++i) {
    Document d;
    d.id = "d" + std::to_string(i);
    const bool twice = i % 9 == 0 && i < 128;  // all in the first block
    d.fields.emplace_back("body", i == 50 ? "ka ka ka" : twice ? "ka ka" : "ka fil");
    (i == 50 ? best : twice ? better : tied).push_back(d.id);
    ASSERT_TRUE(w->Add(d).ok());
  }
  ASSERT_TRUE(w->Commit().ok());
  auto expect_ranking = [&](const std::vector<std::string>& ranking) {
    std::unique_ptr<Searcher> searcher;
    ASSERT_TRUE(Searcher::Open(dir, {}, &searcher).ok());
    SearchOptions options;
    options.exact_total = false;  // a lone term's own loop runs only without exact totals
    options.snippet_chars = 0;
    for (size_t k : {1, 3, 6, 8, 9, 10, 129, 400}) {
      options.top_k = k;
      SearchResults res;
      ASSERT_TRUE(searcher->Search("ka", options, &res).ok());
      ASSERT_EQ(res.hits.size(), std::min(k, ranking.size()));
      for (size_t i = 0; i < res.hits.size(); ++i)
        ASSERT_EQ(res.hits[i].id, ranking[i]) << "k " << k << " rank " << i;
    }
    for (size_t page_size : {3, 10}) {
      options.top_k = page_size;
      options.after.clear();
      std::vector<std::string> paged;
      for (int page = 0; page < 200; ++page) {
        SearchResults res;
        ASSERT_TRUE(searcher->Search("ka", options, &res).ok());
        for (const Hit& h : res.hits) paged.push_back(h.id);
        if (res.next.empty()) break;
        options.after = res.next;
      }
      ASSERT_EQ(paged, ranking) << "pages of " << page_size;
    }
  };
  std::vector<std::string> ranking = best;
  ranking.insert(ranking.end(), better.begin(), better.end());
  ranking.insert(ranking.end(), tied.begin(), tied.end());
  expect_ranking(ranking);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  for (int i = 9; i <= 108; i += 9) {
    const std::string id = "d" + std::to_string(i);
    ASSERT_TRUE(w->Delete(id).ok());
    ranking.erase(std::find(ranking.begin(), ranking.end(), id));
  }
  ASSERT_TRUE(w->Commit().ok());
  expect_ranking(ranking);
  w.reset();
  std::filesystem::remove_all(dir);
}

// Words sharing few documents: a conjunction of up to four lists them by intersecting their
// docid sets and scores only those (ConjunctionScorer::ListMatches), when the rarest has between
// 64 and 2048 documents in a segment and at most half of the lead's match; otherwise, and with a
// fifth word, the lead's loop runs. Checked against the reference on both sides of those limits, in
// two segments, one with deletions, with ties (equal frequencies and lengths) among the matches.
TEST(ConjunctionTopK, ListedMatchesGiveTheSameAnswer) {
  const std::string dir = FreshTempDir("trawl_conjtopk").string();
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create({}, &analyzer).ok());
  std::mt19937 rng(21);
  // The share of documents holding each word: 8% and 15% share about 1.2%; 70% takes most of
  // the rarer ones.
  const std::vector<std::pair<std::string, uint32_t>> words = {
      {"rar", 8}, {"mid", 15}, {"com", 70}, {"few", 2}};
  auto next_text = [&] {
    std::string text;
    for (const auto& [word, percent] : words) {
      if (rng() % 100 >= percent) continue;
      for (size_t t = 0, tf = rng() % 4 == 0 ? 1 + rng() % 6 : 1; t < tf; ++t) text += word + " ";
    }
    const size_t filler = rng() % 3 == 0 ? rng() % 400 : rng() % 8;
    for (size_t t = 0; t < filler; ++t) text += "fil" + std::to_string(rng() % 30) + " ";
    return text;
  };
  BodyIndex index;
  BuildBodyIndex(
      dir, analyzer.get(), kUnderAsan ? 1500 : 3000, 64 << 20, next_text,
      [&] { return 1 + rng() % 5; }, &index);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  Reference ref(index.docs, analyzer.get());
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir, {}, &searcher).ok());
  for (const char* query :
       {"rar AND mid", "mid AND rar", "few AND mid", "rar AND com", "mid AND com",
        "rar AND mid AND com", "com AND mid AND rar", "rar AND mid AND com AND fil3",
        "rar AND mid AND com AND fil3 AND fil4", "few AND rar", "+rar +mid -com"}) {
    ExpectTopKOfReference(*searcher, ref, index, query);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  std::filesystem::remove_all(dir);
}

// Phrase counts against brute force in segments of 5,000 documents, where a common word's list
// has bitset containers, a word held by a stretch of consecutive documents has runs, and a rare
// word has arrays: the cursors' moves between container kinds, with and without deletions (the
// first commit has some).
TEST(PhraseCount, CountsOverEveryContainerKind) {
  const std::string dir = FreshTempDir("trawl_phrase_listed").string();
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create({}, &analyzer).ok());
  std::mt19937 rng(31);
  size_t made = 0;
  auto next_text = [&] {
    const size_t in_batch = made++ % 5000;
    std::vector<std::string> tokens;
    const auto add = [&](const std::string& word, int percent) {
      if (static_cast<int>(rng() % 100) >= percent) return;
      for (size_t k = 0, n = 1 + rng() % 3; k < n; ++k) tokens.push_back(word);
    };
    add("ka", 92);
    add("lo", 70);
    add("mi", in_batch >= 2000 && in_batch < 2600 ? 100 : 1);
    add("zed", 3);
    for (size_t k = 0, n = rng() % 6; k < n; ++k)
      tokens.push_back("fil" + std::to_string(rng() % 20));
    std::shuffle(tokens.begin(), tokens.end(), rng);
    std::string text;
    for (const std::string& t : tokens) text += t + " ";
    return text;
  };
  BodyIndex index;
  BuildBodyIndex(
      dir, analyzer.get(), 5000, 64 << 20, next_text, [&] { return 1 + rng() % 7; }, &index);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  Reference ref(index.docs, analyzer.get());
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir, {}, &searcher).ok());
  for (const char* query :
       {"\"ka lo\"", "\"lo ka\"", "\"ka ka\"", "\"ka mi\"", "\"mi lo\"", "\"mi zed\"", "\"zed ka\"",
        "\"ka lo ka\"", "\"lo mi ka\"", "\"zed lo ka mi\""}) {
    SCOPED_TRACE(query);
    Reference::Eval e;
    const std::vector<size_t> expected = RankedLiveMatches(ref, query, index.deleted, &e);
    uint64_t count;
    ASSERT_TRUE(searcher->Count(query, &count).ok());
    ASSERT_EQ(count, expected.size());
  }
  std::filesystem::remove_all(dir);
}

// Phrase matching reads positions through streams that trust only the file's bounds: damaged
// positions or frequencies may change which documents match, but never make a query read
// outside the maps (run under the sanitizers) or crash.
TEST(PhraseCount, DamagedPositionsAndFrequenciesStayInBounds) {
  const std::filesystem::path dir = FreshTempDir("trawl_phrase_damage");
  std::mt19937 rng(12);
  const std::vector<std::string> words = {"ka", "lo", "mi", "zed"};
  std::discrete_distribution<size_t> word({40, 30, 20, 1});
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir, {}, &writer).ok());
    for (int i = 0; i < 300; ++i) {
      std::string text;
      for (size_t t = 0, n = 1 + rng() % 300; t < n; ++t) text += (t ? " " : "") + words[word(rng)];
      ASSERT_TRUE(writer->Add({"d" + std::to_string(i), {{"body", text}}}).ok());
    }
    ASSERT_TRUE(writer->Commit().ok());
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".pos" || e.path().extension() == ".post")
      files.push_back(e.path());
  ASSERT_EQ(files.size(), 2u);
  const std::vector<std::string> queries = {"\"ka lo\"", "\"zed ka\"", "\"ka lo ka\"",
                                            "\"mi zed mi\"", "\"lo mi\"~2"};
  int queried = 0;  // trials whose damage the searcher's own checks did not catch at open
  for (int trial = 0; trial < 60; ++trial) {
    const std::filesystem::path& file = files[trial % 2];
    const std::string pristine = ReadFile(file);
    std::string damaged = pristine;
    // Past the 16-byte header, so that the file still opens (checksums are not verified).
    for (int flips = 1 + rng() % 8; flips > 0; --flips)
      damaged[16 + rng() % (damaged.size() - 16)] ^= static_cast<char>(1 + rng() % 255);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << damaged;
    std::unique_ptr<Searcher> searcher;
    if (Searcher::Open(dir, {}, &searcher).ok()) {
      ++queried;
      for (const std::string& query : queries) {
        uint64_t count;
        (void)searcher->Count(query, &count);
        SearchResults res;
        (void)searcher->Search(query, {}, &res);
      }
    }
    searcher.reset();
    std::ofstream(file, std::ios::binary | std::ios::trunc) << pristine;
  }
  EXPECT_GT(queried, 30);
  std::filesystem::remove_all(dir);
}

TEST(QueryPaging, OffsetPagesAreSlicesOfTheFullRanking) {
  char tmpl[] = "/tmp/trawl_page_XXXXXX";
  std::string dir = mkdtemp(tmpl);
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
    for (int i = 0; i < 50; ++i) {
      Document d;
      d.id = "p" + std::to_string(i);
      d.fields.emplace_back("body", std::string(i % 7 + 1, 'x') + " apple " + (i % 3 ? "pear" : ""));
      ASSERT_TRUE(w->Add(d).ok());
    }
    ASSERT_TRUE(w->Commit().ok());
  }
  std::unique_ptr<Searcher> s;
  ASSERT_TRUE(Searcher::Open(dir, {}, &s).ok());
  SearchOptions all;
  all.top_k = 50;
  SearchResults full;
  ASSERT_TRUE(s->Search("apple pear", all, &full).ok());
  for (size_t off = 0; off < 50; off += 10) {
    SearchOptions page;
    page.top_k = 10;
    page.offset = off;
    SearchResults r;
    ASSERT_TRUE(s->Search("apple pear", page, &r).ok());
    ASSERT_EQ(r.total, 50u);
    for (size_t i = 0; i < r.hits.size(); ++i) EXPECT_EQ(r.hits[i].id, full.hits[off + i].id);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace query_property_test
}  // namespace trawl
