// Fuzzy words, wildcards and boosts against brute-force references on generated documents:
// fuzzy words match exactly the documents holding a term within the distance (and, past the
// expansion limit, the closest terms win), wildcards exactly the glob, a boost scales a
// clause's score exactly, and the top k of boosted disjunctions with pruning equals exhaustive
// scoring.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "analysis/analyzer.h"
#include "searcher/query/multiterm.h"
#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace query_multiterm_test {
namespace {

// Optimal string alignment distance, the whole table, no cut-off: the reference for
// EditDistance.
uint32_t ReferenceDistance(const std::u32string& a, const std::u32string& b) {
  std::vector<std::vector<uint32_t>> d(a.size() + 1, std::vector<uint32_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<uint32_t>(i);
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<uint32_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// Recursive glob matching over code points: the reference for the wildcard matcher.
bool ReferenceGlob(const std::u32string& p, size_t i, const std::u32string& t, size_t j) {
  if (i == p.size()) return j == t.size();
  if (p[i] == U'*') {
    for (size_t k = j; k <= t.size(); ++k)
      if (ReferenceGlob(p, i + 1, t, k)) return true;
    return false;
  }
  if (j == t.size()) return false;
  return (p[i] == U'?' || p[i] == t[j]) && ReferenceGlob(p, i + 1, t, j + 1);
}

TEST(EditDistanceTest, MatchesTheFullTable) {
  std::mt19937 rng(11);
  const std::u32string alphabet = U"abcé日";
  for (int i = 0; i < 20000; ++i) {
    std::u32string a, b;
    for (size_t n = rng() % 7; n > 0; --n) a += alphabet[rng() % alphabet.size()];
    for (size_t n = rng() % 7; n > 0; --n) b += alphabet[rng() % alphabet.size()];
    const uint32_t want = ReferenceDistance(a, b);
    for (uint32_t max = 0; max <= 3; ++max) {
      ASSERT_EQ(EditDistance(a, b, max), std::min(want, max + 1)) << i << " max " << max;
    }
  }
  EXPECT_EQ(EditDistance(U"abcd", U"acbd", 2), 1u);  // a transposition is one edit
  EXPECT_EQ(EditDistance(U"ca", U"abc", 3), 3u);     // restricted: no edit of a transposed pair
}

TEST(WildcardTest, MatchesTheRecursiveReference) {
  std::mt19937 rng(12);
  const std::u32string pattern_chars = U"ab日*?";
  const std::u32string text_chars = U"ab日";
  auto utf8 = [](const std::u32string& s) {
    std::string out;
    for (char32_t c : s) {
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
    return out;
  };
  for (int i = 0; i < 20000; ++i) {
    std::u32string p, t;
    for (size_t n = rng() % 6; n > 0; --n) p += pattern_chars[rng() % pattern_chars.size()];
    for (size_t n = rng() % 7; n > 0; --n) t += text_chars[rng() % text_chars.size()];
    ASSERT_EQ(WildcardMatches(utf8(p), utf8(t)), ReferenceGlob(p, 0, t, 0))
        << utf8(p) << " " << utf8(t);
  }
  EXPECT_TRUE(WildcardMatches("a\\*b", "a*b"));
  EXPECT_FALSE(WildcardMatches("a\\*b", "axb"));
  EXPECT_TRUE(WildcardMatches("a\\?", "a?"));
  EXPECT_EQ(WildcardLiteralPrefix("ab\\*c?d"), "ab*c");
  EXPECT_EQ(WildcardLiteralPrefix("*x"), "");
}

class MultiTermTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("trawl_multiterm");
    ASSERT_TRUE(Analyzer::Create({}, &analyzer_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Indexes `docs` (title, body) over two commits in several segments; returns each document's
  // analyzed terms per field.
  void Build(const std::vector<std::pair<std::string, std::string>>& docs) {
    for (int batch = 0; batch < 2; ++batch) {
      IndexWriterOptions opts;
      opts.memory_budget_bytes = 32 << 10;
      std::unique_ptr<IndexWriter> writer;
      ASSERT_TRUE(IndexWriter::Open(dir_, opts, &writer).ok());
      for (size_t i = batch; i < docs.size(); i += 2) {
        Document doc;
        doc.id = "d" + std::to_string(i);
        doc.Add("title", docs[i].first);
        doc.Add("body", docs[i].second);
        ASSERT_TRUE(writer->Add(doc).ok());
      }
      ASSERT_TRUE(writer->Commit().ok());
    }
    terms_.assign(docs.size(), {});
    for (size_t i = 0; i < docs.size(); ++i) {
      for (const std::string& t : analyzer_->Terms(docs[i].first)) terms_[i]["title"].insert(t);
      for (const std::string& t : analyzer_->Terms(docs[i].second)) terms_[i]["body"].insert(t);
    }
    ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher_).ok());
  }

  // Every match of `query` with its score, by document id.
  std::map<std::string, double> All(const std::string& query, size_t k = 100000) {
    SearchOptions so;
    so.top_k = k;
    SearchResults res;
    Status s = searcher_->Search(query, so, &res);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    std::map<std::string, double> out;
    for (const auto& hit : res.hits) out[hit.id] = hit.score;
    if (k >= 100000) {
      EXPECT_EQ(res.total, out.size()) << query;
    }
    return out;
  }

  std::set<std::string> Ids(const std::map<std::string, double>& hits) {
    std::set<std::string> out;
    for (const auto& [id, score] : hits) out.insert(id);
    return out;
  }

  // The documents holding, in `fields`, a term that `pred` accepts.
  template <typename Pred>
  std::set<std::string> Holding(const std::vector<std::string>& fields, const Pred& pred) {
    std::set<std::string> out;
    for (size_t i = 0; i < terms_.size(); ++i)
      for (const std::string& f : fields)
        for (const std::string& t : terms_[i][f])
          if (pred(t)) out.insert("d" + std::to_string(i));
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Analyzer> analyzer_;
  std::unique_ptr<Searcher> searcher_;
  std::vector<std::map<std::string, std::set<std::string>>> terms_;
};

// Words of a small alphabet, so that many lie within two edits of each other but the
// expansions of a fuzzy word stay under the limit.
std::string RandomWord(std::mt19937& rng) {
  static const char* kSyllables[] = {"ka", "ko", "tak", "tok", "mar", "ram", "lun"};
  std::string w;
  for (size_t n = 1 + rng() % 2; n > 0; --n) w += kSyllables[rng() % std::size(kSyllables)];
  return w;
}

std::vector<std::pair<std::string, std::string>> RandomDocs(std::mt19937& rng, size_t n) {
  std::vector<std::pair<std::string, std::string>> docs;
  for (size_t i = 0; i < n; ++i) {
    std::string title, body;
    for (size_t k = rng() % 3; k > 0; --k) title += RandomWord(rng) + " ";
    for (size_t k = 1 + rng() % 12; k > 0; --k) body += RandomWord(rng) + " ";
    docs.emplace_back(title, body);
  }
  return docs;
}

TEST_F(MultiTermTest, FuzzyMatchesTermsWithinTheDistance) {
  std::mt19937 rng(21);
  Build(RandomDocs(rng, 600));
  for (const std::string word : {"kata", "takmar", "lunka", "Tokram", "x", "maram", "kaka"}) {
    for (uint32_t edits = 0; edits <= 2; ++edits) {
      for (const std::string field : {"", "title:", "body:"}) {
        const std::string query = field + word + "~" + std::to_string(edits);
        SCOPED_TRACE(query);
        const std::u32string folded = CodePoints(analyzer_->Fold(word));
        std::vector<std::string> fields = {"title", "body"};
        if (!field.empty()) fields = {field.substr(0, field.size() - 1)};
        size_t within = 0;
        std::set<std::string> seen;
        const std::set<std::string> want = Holding(fields, [&](const std::string& t) {
          const bool in = ReferenceDistance(folded, CodePoints(t)) <= edits;
          if (in && seen.insert(t).second) ++within;
          return in;
        });
        ASSERT_LT(within, kMaxFuzzyExpansions);  // this test stays under the limit
        EXPECT_EQ(Ids(All(query)), want);
      }
    }
  }
  // `word~` is two edits.
  EXPECT_EQ(All("kata~"), All("kata~2"));
}

TEST_F(MultiTermTest, FuzzyScoresAsBlendedTermsWithSimilarityBoosts) {
  std::mt19937 rng(22);
  Build(RandomDocs(rng, 400));
  // Each expansion scores as its term would with the blended document frequency: compare with
  // the expansion's own score rescaled from its idf to the blended idf, times its boost.
  const std::string word = "takmar";
  const std::u32string q = CodePoints(word);
  std::map<std::string, uint64_t> df;
  uint64_t n = 0;
  for (auto& doc : terms_) {
    if (!doc["body"].empty()) ++n;
    for (const std::string& t : doc["body"]) ++df[t];
  }
  uint64_t blended = 0;
  std::map<std::string, uint32_t> within;
  for (const auto& [t, f] : df) {
    const uint32_t d = ReferenceDistance(q, CodePoints(t));
    if (d <= 2) {
      within[t] = d;
      blended = std::max(blended, f);
    }
  }
  ASSERT_GT(within.size(), 2u);
  auto idf = [&](uint64_t f) { return std::log(1 + (n - f + 0.5) / (f + 0.5)); };
  std::map<std::string, double> want;
  for (const auto& [t, d] : within) {
    const double similarity =
        1.0 - static_cast<double>(d) / std::min(CodePoints(t).size(), q.size());
    for (const auto& [id, score] : All("body:" + t)) {
      want[id] += score / idf(df[t]) * idf(blended) * similarity;
    }
  }
  const std::map<std::string, double> got = All("body:" + word + "~2");
  ASSERT_EQ(Ids(got), Ids(want));
  for (const auto& [id, score] : got)
    EXPECT_NEAR(score, want[id], 1e-9 * std::max(1.0, score)) << id;
}

TEST_F(MultiTermTest, FuzzyKeepsTheClosestTermsPastTheLimit) {
  // Terms "qx" + two letters: 675 of them within two edits of "qxaa", 50 within one. The
  // document frequency of a term is its letters' rank, so the limit's ties break by frequency.
  std::vector<std::pair<std::string, std::string>> docs;
  std::map<std::string, uint64_t> df;
  for (char a = 'a'; a <= 'z'; ++a) {
    for (char b = 'a'; b <= 'z'; ++b) {
      const std::string t = std::string("qx") + a + b;
      const size_t copies = 1 + (a * 7 + b * 3) % 4;
      for (size_t c = 0; c < copies; ++c) docs.emplace_back("", t);
    }
  }
  Build(docs);
  std::map<std::string, uint64_t> dict;
  for (auto& doc : terms_)
    for (const std::string& t : doc["body"]) ++dict[t];
  struct C {
    std::string t;
    uint32_t d;
    uint64_t df;
  };
  std::vector<C> cs;
  for (const auto& [t, f] : dict) {
    const uint32_t d = ReferenceDistance(U"qxaa", CodePoints(t));
    if (d <= 2) cs.push_back({t, d, f});
  }
  ASSERT_GT(cs.size(), kMaxFuzzyExpansions);
  std::sort(cs.begin(), cs.end(), [](const C& a, const C& b) {
    return a.d != b.d ? a.d < b.d : a.df != b.df ? a.df > b.df : a.t < b.t;
  });
  cs.resize(kMaxFuzzyExpansions);
  std::set<std::string> kept;
  for (const C& c : cs) kept.insert(c.t);
  EXPECT_EQ(Ids(All("body:qxaa~2")),
            Holding({"body"}, [&](const std::string& t) { return kept.count(t) > 0; }));
}

TEST_F(MultiTermTest, WildcardsMatchTheGlob) {
  std::mt19937 rng(23);
  Build(RandomDocs(rng, 600));
  for (const std::string pattern :
       {"ka?", "*mar", "t?k*", "*a*", "k*a", "?", "??", "*ram*lun", "TAK?", "t*k*m*r", "lun*ka?"}) {
    for (const std::string field : {"", "title:"}) {
      const std::string query = field + pattern;
      SCOPED_TRACE(query);
      std::vector<std::string> fields = {"title", "body"};
      if (!field.empty()) fields = {"title"};
      const std::u32string p = CodePoints(analyzer_->Fold(pattern));
      const std::map<std::string, double> got = All(query);
      EXPECT_EQ(Ids(got), Holding(fields, [&](const std::string& t) {
                  return ReferenceGlob(p, 0, CodePoints(t), 0);
                }));
      // Constant-score per field, as prefixes.
      for (const auto& [id, score] : got) EXPECT_LE(score, fields.size() + 1e-12);
    }
  }
  const std::map<std::string, double> boosted = All("title:k*a^2.5");
  for (const auto& [id, score] : boosted) EXPECT_EQ(score, 2.5);
}

TEST_F(MultiTermTest, BoostsScaleScoresExactly) {
  std::mt19937 rng(24);
  Build(RandomDocs(rng, 500));
  const std::map<std::string, double> a = All("kata"), b = All("mar");
  for (double boost : {2.0, 0.5, 0.0, 3.75}) {
    std::ostringstream q;
    q << "kata^" << boost << " mar";
    SCOPED_TRACE(q.str());
    std::map<std::string, double> want = b;
    for (const auto& [id, s] : a) want[id] += boost * s;
    const std::map<std::string, double> got = All(q.str());
    ASSERT_EQ(Ids(got), Ids(want));
    for (const auto& [id, s] : got) EXPECT_NEAR(s, want[id], 1e-12 * std::max(1.0, s)) << id;
  }
  // Each leaf kind: a boosted clause alone is exactly boost times the clause.
  for (const std::string clause :
       {"kata", "title:kata", "\"kata mar\"", "ka*", "t?k*", "kaka~1", "(kata tak)", "*"}) {
    SCOPED_TRACE(clause);
    const std::map<std::string, double> plain = All(clause), boosted = All(clause + "^3");
    ASSERT_EQ(Ids(plain), Ids(boosted));
    for (const auto& [id, s] : plain) EXPECT_NEAR(boosted.at(id), 3 * s, 1e-12 * std::max(1.0, s));
  }
}

// A leaf repeated in the same role is one clause whose boost is the sum of theirs (as Lucene's
// BooleanQuery.rewrite): the same matches and scores as the repeats, and hundreds of repeated
// prefixes cost two expansions, not hundreds.
TEST_F(MultiTermTest, RepeatedClausesScoreAsOneWithTheirBoostsSummed) {
  std::mt19937 rng(27);
  Build(RandomDocs(rng, 500));
  auto expect_same = [&](const std::string& query, const std::map<std::string, double>& want) {
    SCOPED_TRACE(query);
    const std::map<std::string, double> got = All(query);
    ASSERT_EQ(Ids(got), Ids(want));
    for (const auto& [id, s] : got) EXPECT_NEAR(s, want.at(id), 1e-12 * std::max(1.0, s)) << id;
  };
  const std::map<std::string, double> kata = All("kata"), title_kata = All("title:kata");
  std::map<std::string, double> sum = kata;
  for (const auto& [id, s] : title_kata) sum[id] += s;
  for (const auto& [repeated, merged] : std::vector<std::pair<std::string, std::string>>{
           {"ka* mar ka* ka*", "ka*^3 mar"},
           {"kata kata^0.5 mar", "kata^1.5 mar"},
           {"+kata +kata mar", "+kata^2 mar"},
           {"mar -kata -kata", "mar -kata"},
           {"mar -ka* +t?k* +t?k*", "mar -ka* +t?k*^2"},
           {"\"kata mar\" \"kata mar\"", "\"kata mar\"^2"},
           {"kaka~1 tak kaka~1", "kaka~1^2 tak"},
           {"(kata tak) (kata tak)", "(kata tak)^2"},
           {"* *", "*^2"}}) {
    expect_same(repeated, All(merged));
  }
  // Not the same clause: another field, whether the clauses are few (compared one by one) or
  // many (hashed).
  expect_same("title:kata kata", sum);
  std::string fields_repeated;
  for (int i = 0; i < 10; ++i) fields_repeated += "title:kata kata ";
  expect_same(fields_repeated, All("title:kata^10 kata^10"));

  std::string many, weighted = "ka*^400 t*^400";
  for (int i = 0; i < 400; ++i) many += "ka* t* ";
  expect_same(many, All(weighted));
  uint64_t count = 0, merged_count = 0;
  ASSERT_TRUE(searcher_->Count(many, &count).ok());
  ASSERT_TRUE(searcher_->Count(weighted, &merged_count).ok());
  EXPECT_EQ(count, merged_count);
}

TEST_F(MultiTermTest, BoostsScaleScoresExactlyUnderBm25f) {
  std::mt19937 rng(25);
  Build(RandomDocs(rng, 300));
  SearchOptions so;
  so.top_k = 100000;
  so.bm25f = true;
  SearchResults plain, boosted;
  ASSERT_TRUE(searcher_->Search("kata", so, &plain).ok());
  ASSERT_TRUE(searcher_->Search("kata^2", so, &boosted).ok());
  ASSERT_EQ(plain.hits.size(), boosted.hits.size());
  for (size_t i = 0; i < plain.hits.size(); ++i) {
    EXPECT_EQ(plain.hits[i].id, boosted.hits[i].id);
    EXPECT_NEAR(boosted.hits[i].score, 2 * plain.hits[i].score, 1e-12);
  }
}

// Term proximity scores pairs of a bag of words; a boosted word makes the query no bag.
TEST_F(MultiTermTest, BoostedWordsTakeNoProximity) {
  std::mt19937 rng(28);
  Build(RandomDocs(rng, 300));
  SearchOptions so;
  so.top_k = 100000;
  so.proximity = 0.5;
  SearchResults a, b, both;
  ASSERT_TRUE(searcher_->Search("kata", so, &a).ok());
  ASSERT_TRUE(searcher_->Search("mar", so, &b).ok());
  ASSERT_TRUE(searcher_->Search("kata^2 mar", so, &both).ok());
  std::map<std::string, double> want;
  for (const auto& hit : a.hits) want[hit.id] += 2 * hit.score;
  for (const auto& hit : b.hits) want[hit.id] += hit.score;
  ASSERT_EQ(both.hits.size(), want.size());
  for (const auto& hit : both.hits) EXPECT_NEAR(hit.score, want[hit.id], 1e-12) << hit.id;
}

TEST_F(MultiTermTest, TopKOfBoostedDisjunctionsEqualsExhaustive) {
  std::mt19937 rng(26);
  Build(RandomDocs(rng, 1500));
  std::vector<std::string> queries = {"kata^2 mar^0.5 tok",     "title:lun^3 body:ka^0.25 takmar",
                                      "\"ka ko\"^4 ram kata^0", "(kata tok)^2 -lun mar",
                                      "kaka~1^2 ko ta?^0.5",    "+ka^2 ko^3 mar"};
  for (int i = 0; i < 10; ++i) {
    std::ostringstream q;
    for (int c = 0; c < 2 + static_cast<int>(rng() % 4); ++c) {
      q << RandomWord(rng) << "^" << (rng() % 9) * 0.5 << " ";
    }
    queries.push_back(q.str());
  }
  for (const std::string& query : queries) {
    SCOPED_TRACE(query);
    SearchOptions all;
    all.top_k = 100000;
    SearchResults exhaustive;
    ASSERT_TRUE(searcher_->Search(query, all, &exhaustive).ok());
    for (size_t k : {1, 10, 100}) {
      for (bool exact_total : {true, false}) {
        SearchOptions so;
        so.top_k = k;
        so.exact_total = exact_total;
        so.explain = k == 10;
        SearchResults res;
        ASSERT_TRUE(searcher_->Search(query, so, &res).ok());
        for (const auto& hit : res.hits) {
          // The explanation's first line is its total, with 6 significant digits.
          if (!so.explain) break;
          EXPECT_NEAR(std::stod(hit.explanation), hit.score, 1e-5 * std::max(1.0, hit.score))
              << hit.explanation;
        }
        ASSERT_EQ(res.hits.size(), std::min(k, exhaustive.hits.size()));
        for (size_t r = 0; r < res.hits.size(); ++r) {
          ASSERT_NEAR(res.hits[r].score, exhaustive.hits[r].score, 1e-9)
              << "k " << k << " rank " << r;
          if (res.hits[r].id != exhaustive.hits[r].id) {
            // Only ties may differ, when a later rank holds the same score.
            ASSERT_NEAR(res.hits[r].score, exhaustive.hits[r].score, 1e-12);
          }
        }
      }
    }
  }
}

TEST_F(MultiTermTest, RangesNeedTypedFieldsAndExistsMeansAToken) {
  std::mt19937 rng(27);
  Build(RandomDocs(rng, 20));
  SearchOptions so;
  SearchResults res;
  Status s = searcher_->Search("title:[a TO b]", so, &res);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("range queries need a typed field: 'title' is a text field"),
            std::string::npos)
      << s.ToString();
  // `field:*` on a text field: the documents with at least one token in it.
  for (const std::string field : {"title", "body"}) {
    EXPECT_EQ(Ids(All(field + ":*")), Holding({field}, [](const std::string&) { return true; }))
        << field;
  }
}

}  // namespace
}  // namespace query_multiterm_test
}  // namespace trawl
