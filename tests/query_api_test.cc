// Queries built in code (trawl/query.h) as a program uses them: the same hits, scores,
// snippets and counts as the same query parsed; filter clauses that restrict without changing
// scores; Count with options; user text that is never syntax; ParseQuery's errors; ToString
// round trips; explanations as trees whose value is the score. (tests/query_property_test.cc
// also runs built queries, with filter clauses, against its brute-force reference.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"
#include "trawl/index_writer.h"
#include "trawl/query.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"

namespace trawl {
namespace query_api_test {
namespace {

// Every character of it is syntax in the query language.
constexpr const char* kSyntaxText = "a:b (c) \"d\" -e* OR f~";

const char* kWords[] = {"river", "stone", "bridge", "lamp",  "north",
                        "quiet", "copper", "field", "amber", "willow"};

class QueryApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("query_api").string();
    std::mt19937 rng(7);
    auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
    Schema schema;
    ASSERT_TRUE(schema.AddField("title", FieldSpec::Default(FieldType::kText)).ok());
    ASSERT_TRUE(schema.AddField("body", FieldSpec::Default(FieldType::kText)).ok());
    ASSERT_TRUE(schema.AddField("lang", FieldSpec::Default(FieldType::kKeyword)).ok());
    ASSERT_TRUE(schema.AddField("stars", FieldSpec::Default(FieldType::kInt)).ok());
    ASSERT_TRUE(schema.AddField("when", FieldSpec::Default(FieldType::kDate)).ok());
    // Two commits of several segments each.
    for (int batch = 0; batch < 2; ++batch) {
      IndexWriterOptions options;
      options.schema = schema;
      options.memory_budget_bytes = 48 << 10;
      std::unique_ptr<IndexWriter> writer;
      ASSERT_TRUE(IndexWriter::Open(dir_, options, &writer).ok());
      for (int i = 0; i < 300; ++i) {
        Document d;
        d.id = "d" + std::to_string(batch * 300 + i);
        std::string title, body;
        for (size_t w = 0, n = pick(4); w < n; ++w) title += std::string(" ") + kWords[pick(10)];
        for (size_t w = 0, n = 1 + pick(30); w < n; ++w)
          body += std::string(" ") + kWords[pick(10) * pick(10) / 9];  // skewed
        if (i == 17) body += std::string(" ") + kSyntaxText;
        d.Add("title", title);
        d.Add("body", body);
        if (pick(10) < 8) d.Add("lang", std::vector<std::string>{"en", "de", "fr"}[pick(3)],
                                ValueKind::kKeyword);
        d.AddInt("stars", static_cast<int64_t>(pick(6)));
        // 2018 to 2023.
        d.AddDate("when", 1514764800000 + static_cast<int64_t>(pick(6 * 365)) * 86400000);
        ASSERT_TRUE(writer->Add(d).ok());
      }
      ASSERT_TRUE(writer->Commit().ok());
    }
    ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SearchResults Run(const Query& q, SearchOptions options = All()) {
    SearchResults r;
    Status s = searcher_->Search(q, options, &r);
    EXPECT_TRUE(s.ok()) << s.ToString() << " for " << q.ToString();
    return r;
  }
  SearchResults Run(const std::string& q, SearchOptions options = All()) {
    SearchResults r;
    Status s = searcher_->Search(q, options, &r);
    EXPECT_TRUE(s.ok()) << s.ToString() << " for " << q;
    return r;
  }
  static SearchOptions All() {
    SearchOptions o;
    o.top_k = 1000;
    return o;
  }
  // The ids a query matches.
  std::set<std::string> Ids(const Query& q) {
    std::set<std::string> ids;
    for (const Hit& h : Run(q).hits) ids.insert(h.id);
    return ids;
  }
  // Same hits in the same order, with the same scores (to `tolerance`, relative) and snippets.
  static void ExpectSameHits(const SearchResults& a, const SearchResults& b,
                             double tolerance = 0) {
    EXPECT_EQ(a.total, b.total);
    ASSERT_EQ(a.hits.size(), b.hits.size());
    for (size_t i = 0; i < a.hits.size(); ++i) {
      EXPECT_EQ(a.hits[i].id, b.hits[i].id) << "rank " << i;
      EXPECT_NEAR(a.hits[i].score, b.hits[i].score, tolerance * b.hits[i].score) << "rank " << i;
      EXPECT_EQ(a.hits[i].snippet, b.hits[i].snippet) << "rank " << i;
    }
  }

  std::string dir_;
  std::unique_ptr<Searcher> searcher_;
};

using Q = Query;

// Each shape of the language and the same query built in code.
std::vector<std::pair<std::string, Query>> Equivalents() {
  return {
      {"river", Q::Term("", "river")},
      {"title:river", Q::Term("title", "river")},
      {"\"river stone\"~2", Q::Phrase("", "river stone", 2)},
      {"body:\"stone bridge\"", Q::Phrase("body", "stone bridge")},
      {"bri*", Q::Prefix("", "bri")},
      {"bridgr~1", Q::Fuzzy("", "bridgr", 1)},
      {"b?idge", Q::Wildcard("", "b?idge")},
      {"stars:[2 TO 4}", Q::Range("stars", "2", "4", true, false)},
      {"when:[2020-01-01 TO *]", Q::Range("when", "2020-01-01", "")},
      {"lang:*", Q::Exists("lang")},
      {"*", Q::MatchAll()},
      {"lang:en", Q::Term("lang", "en")},
      {"title:=river", Q::IndexedTerm("title", "river")},
      {"body:=\"bridg\"^2", Q::IndexedTerm("body", "bridg").Boost(2)},
      {"+lang:=en -id:=d17 stone", Q::Boolean()
                                       .Must(Q::IndexedTerm("lang", "en"))
                                       .MustNot(Q::IndexedTerm("id", "d17"))
                                       .Should(Q::Term("", "stone"))},
      {"river^2.5", Q::Term("", "river").Boost(2.5)},
      {"+river -(stone OR lamp) quiet^2",
       Q::Boolean()
           .Must(Q::Term("", "river"))
           .MustNot(Q::Boolean().Should(Q::Term("", "stone")).Should(Q::Term("", "lamp")))
           .Should(Q::Term("", "quiet").Boost(2))},
      {"(river stone)^0.5 +(north AND copper) -lang:de",
       Q::Boolean()
           .Should(Q::Boolean().Should(Q::Term("", "river")).Should(Q::Term("", "stone")).Boost(0.5))
           .Must(Q::Boolean().Must(Q::Term("", "north")).Must(Q::Term("", "copper")))
           .MustNot(Q::Term("lang", "de"))},
      {"-river -stone", Q::Boolean().MustNot(Q::Term("", "river")).MustNot(Q::Term("", "stone"))},
      {"willow amber copper", Q::Boolean()
                                  .Should(Q::Term("", "willow"))
                                  .Should(Q::Term("", "amber"))
                                  .Should(Q::Term("", "copper"))},
  };
}

TEST_F(QueryApiTest, BuiltQueriesAnswerAsTheParsedOnes) {
  for (const auto& [text, built] : Equivalents()) {
    SCOPED_TRACE(text);
    Query parsed;
    ASSERT_TRUE(ParseQuery(text, &parsed).ok());
    EXPECT_EQ(built.ToString(), parsed.ToString());
    for (size_t k : {1, 10, 1000}) {
      SearchOptions options = All();
      options.top_k = k;
      const SearchResults from_text = Run(text, options);
      ExpectSameHits(Run(built, options), from_text);
      ExpectSameHits(Run(parsed, options), from_text);
      options.exact_total = false;
      ExpectSameHits(Run(built, options), Run(text, options));
    }
    uint64_t count_text = 0, count_built = 0;
    ASSERT_TRUE(searcher_->Count(text, &count_text).ok());
    ASSERT_TRUE(searcher_->Count(built, {}, &count_built).ok());
    EXPECT_EQ(count_built, count_text);
    EXPECT_EQ(count_built, Run(built).total);
  }
}

TEST_F(QueryApiTest, FilterClausesRestrictWithoutChangingScores) {
  const std::vector<Query> queries = {
      Q::Term("", "river"),
      Q::Boolean().Should(Q::Term("", "willow")).Should(Q::Term("", "amber")),
      Q::Boolean().Must(Q::Term("", "stone")).Should(Q::Term("title", "lamp")),
      Q::Phrase("body", "river river", 3),
      Q::Boolean().Should(Q::Term("", "north")).MustNot(Q::Term("", "quiet")),
  };
  const std::vector<Query> filters = {
      Q::Term("lang", "en"), Q::Range("stars", "3", ""), Q::Term("title", "copper"),
      Q::Phrase("body", "stone bridge"),
      Q::Boolean().Should(Q::Term("lang", "fr")).Should(Q::Range("when", "", "2019-06-01"))};
  for (const Query& query : queries) {
    for (const Query& filter : filters) {
      const Query filtered = Q::Boolean().Must(query).Filter(filter);
      SCOPED_TRACE(filtered.ToString());
      const std::set<std::string> allowed = Ids(filter);
      // The unfiltered ranking restricted to the filter's matches.
      std::vector<Hit> expected;
      for (const Hit& h : Run(query).hits)
        if (allowed.count(h.id)) expected.push_back(h);
      for (size_t k : {1, 5, 1000}) {
        for (bool exact_total : {true, false}) {
          SearchOptions options = All();
          options.top_k = k;
          options.exact_total = exact_total;
          const SearchResults got = Run(filtered, options);
          if (exact_total) {
            EXPECT_EQ(got.total, expected.size());
          }
          ASSERT_EQ(got.hits.size(), std::min(k, expected.size()));
          for (size_t i = 0; i < got.hits.size(); ++i) {
            EXPECT_EQ(got.hits[i].id, expected[i].id) << "rank " << i;
            EXPECT_NEAR(got.hits[i].score, expected[i].score, 1e-12 * expected[i].score);
          }
        }
      }
      uint64_t count = 0;
      ASSERT_TRUE(searcher_->Count(filtered, {}, &count).ok());
      EXPECT_EQ(count, expected.size());
      // The same restriction through the options (scores summed in another order).
      SearchOptions by_query = All();
      by_query.filter_queries = {filter};
      ExpectSameHits(Run(query, by_query), Run(filtered), 1e-12);
    }
  }
}

TEST_F(QueryApiTest, FilterClausesFollowLucenesRules) {
  const Query en = Q::Term("lang", "en");
  // Alone: its matches, scoring nothing.
  const SearchResults only = Run(Q::Boolean().Filter(en));
  EXPECT_EQ(only.total, Ids(en).size());
  for (const Hit& h : only.hits) EXPECT_EQ(h.score, 0);
  // Beside optional clauses, which then only add to the score (they are not needed to match).
  const SearchResults with_should = Run(Q::Boolean().Filter(en).Should(Q::Term("", "river")));
  EXPECT_EQ(with_should.total, only.total);
  const std::set<std::string> river = Ids(Q::Term("", "river"));
  for (const Hit& h : with_should.hits) EXPECT_EQ(h.score > 0, river.count(h.id) == 1) << h.id;
  // Nested, beside exclusions.
  const Query nested = Q::Boolean()
                           .Should(Q::Boolean().Must(Q::Term("", "north")).Filter(en))
                           .Should(Q::Term("", "amber"))
                           .MustNot(Q::Range("stars", "0", "1"));
  const std::set<std::string> north = Ids(Q::Term("", "north")), amber = Ids(Q::Term("", "amber")),
                              english = Ids(en), low = Ids(Q::Range("stars", "0", "1"));
  std::set<std::string> expected;
  for (const std::string& id : Ids(Q::MatchAll())) {
    if (((north.count(id) && english.count(id)) || amber.count(id)) && !low.count(id))
      expected.insert(id);
  }
  EXPECT_EQ(Ids(nested), expected);
  // A filter clause that matches nothing empties its group; one that analyzes to nothing is
  // left out, as a required word would be.
  EXPECT_TRUE(Ids(Q::Boolean().Must(Q::Term("", "river")).Filter(Q::Term("", "zzz"))).empty());
  EXPECT_EQ(Ids(Q::Boolean().Must(Q::Term("", "river")).Filter(Q::Term("", "..."))), river);
  // Filters are not what the user looked for: their words are not highlighted.
  SearchOptions snippets = All();
  snippets.snippet_fields = {"body"};
  for (const Hit& h : Run(Q::Boolean().Must(Q::Term("body", "amber")).Filter(Q::Term("body", "river")),
                          snippets).hits) {
    EXPECT_TRUE(Contains(h.snippet, "<b>amber</b>")) << h.snippet;
    EXPECT_FALSE(Contains(h.snippet, "<b>river</b>")) << h.snippet;
  }
}

TEST_F(QueryApiTest, CountTakesOptions) {
  for (const auto& [text, built] : Equivalents()) {
    SCOPED_TRACE(text);
    SearchOptions options;
    options.filters = {"stars:[1 TO 4]"};
    options.filter_queries = {Q::Boolean().Should(Q::Term("lang", "en")).Should(Q::Term("lang", "de"))};
    uint64_t built_count = 0, text_count = 0;
    ASSERT_TRUE(searcher_->Count(built, options, &built_count).ok());
    ASSERT_TRUE(searcher_->Count(text, options, &text_count).ok());
    EXPECT_EQ(built_count, text_count);
    SearchOptions all = options;
    all.top_k = 1000;
    EXPECT_EQ(built_count, Run(built, all).total);
    // The string filters and the built ones are the same restriction.
    SearchOptions as_text = all;
    as_text.filter_queries.clear();
    as_text.filters.push_back("lang:en OR lang:de");
    ExpectSameHits(Run(built, all), Run(built, as_text));
  }
  // plain_text applies to text.
  SearchOptions plain;
  plain.plain_text = true;
  uint64_t count = 0;
  ASSERT_TRUE(searcher_->Count("river AND (stone", plain, &count).ok());
  EXPECT_EQ(count, Run(Q::Boolean().Should(Q::Term("", "river")).Should(Q::Term("", "stone"))).total);
  // Errors as Search's.
  SearchOptions bad;
  bad.filters = {"stars:[1 TO"};
  Status s = searcher_->Count(Q::Term("", "river"), bad, &count);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST_F(QueryApiTest, UserTextIsNeverSyntax) {
  // As a bag of words: the same as the text searched as plain text.
  SearchOptions plain = All();
  plain.plain_text = true;
  const Query match = Q::Match("", kSyntaxText);
  ExpectSameHits(Run(match), Run(std::string(kSyntaxText), plain));
  EXPECT_GT(Run(match).total, 0u);
  uint64_t count = 0;
  ASSERT_TRUE(searcher_->Count(std::string(kSyntaxText), plain, &count).ok());
  EXPECT_EQ(count, Run(match).total);
  // As a phrase: the documents that hold these words in this order (one per commit).
  const std::set<std::string> holders = {"d17", "d317"};
  EXPECT_EQ(Ids(Q::Phrase("body", kSyntaxText)), holders);
  EXPECT_EQ(Ids(Q::Term("body", kSyntaxText)), holders);
  // Combined with a program's own clauses, with no escaping.
  const Query combined = Q::Boolean().Must(match).Filter(Q::Range("stars", "", "5"));
  EXPECT_EQ(Run(combined).total, Run(match).total);
  // Text in every other builder is taken as it is: no error, whatever it holds.
  for (const Query& q : {Q::Prefix("", kSyntaxText), Q::Fuzzy("", kSyntaxText, 1),
                         Q::Term("lang", kSyntaxText), Q::Match("lang", kSyntaxText),
                         Q::Term("no such field", kSyntaxText), Q::Exists("no such field")}) {
    SearchResults r;
    Status s = searcher_->Search(q, {}, &r);
    EXPECT_TRUE(s.ok()) << s.ToString() << " for " << q.ToString();
    EXPECT_EQ(r.total, 0u) << q.ToString();
  }
  // A typed field takes the text of Match as one value.
  ExpectSameHits(Run(Q::Match("lang", "en")), Run(Q::Term("lang", "en")));
}

TEST_F(QueryApiTest, ParseQueryReportsTheColumn) {
  Query q = Q::Term("", "kept");
  Status s = ParseQuery("river (stone", &q);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(Contains(s.message(), "column 7")) << s.message();  // the '(' never closed
  EXPECT_EQ(q.ToString(), "kept");  // unchanged on error
  s = ParseQuery("río AND", &q);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(Contains(s.message(), "column 8")) << s.message();  // code points, not bytes
  // The same message as the string overload of Search gives.
  SearchResults r;
  EXPECT_EQ(searcher_->Search("río AND", {}, &r).message(), s.message());
  EXPECT_TRUE(ParseQuery("", &q).IsInvalidArgument());
}

TEST_F(QueryApiTest, ToStringRoundTrips) {
  const std::vector<Query> queries = {
      Q::Term("title", kSyntaxText),
      Q::Term("", "AND"),
      Q::Term("", "-river"),
      Q::Phrase("body", kSyntaxText, 3),
      Q::Prefix("title", "(ri"),
      Q::Fuzzy("", "rivr", 0),
      Q::Wildcard("body", "r?v*r\\*"),
      Q::Range("stars", "-3", "7", false, true),
      Q::Range("lang", "a b", "]", true, false),
      Q::Range("when", "", "2021-05-01T10:00:00Z"),
      Q::Exists("lang"),
      Q::MatchAll().Boost(3),
      Q::IndexedTerm("title", kSyntaxText),
      Q::IndexedTerm("lang", ""),
      Q::IndexedTerm("body", "a\\\"b").Boost(0.5),
      // A word that starts with what opens an indexed term after a field.
      Q::Term("title", "=river"),
      Q::Prefix("title", "=ri"),
      Q::Wildcard("body", "=r?ver"),
      Q::Boolean()
          .Must(Q::Term("", "river").Boost(0.25))
          .Should(Q::Boolean().MustNot(Q::Phrase("", "a b")).Should(Q::Prefix("body", "st")))
          .MustNot(Q::Range("stars", "4", "")),
  };
  for (const Query& q : queries) {
    SCOPED_TRACE(q.ToString());
    Query reparsed;
    Status s = ParseQuery(q.ToString(), &reparsed);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(reparsed.ToString(), q.ToString());
    ExpectSameHits(Run(reparsed), Run(q));
  }
  // What the language cannot say is printed as documented.
  EXPECT_EQ(Q::Boolean().Must(Q::Term("", "a")).Filter(Q::Term("lang", "en")).ToString(),
            "(+a #lang:en)");
  EXPECT_EQ(Q::Match("title", "big  (red) fox").ToString(), "title:(big \\(red\\) fox)");
  EXPECT_EQ(Query().ToString(), "()");
  EXPECT_EQ(Q::IndexedTerm("", "river").ToString(), "=\"river\"");
}

// Count answers a lone indexed term of a text field (or the id) from the dictionary where no
// segment has deletions, without building a weight: the same counts, errors and stops as the
// weight of the same term in a one-clause boolean, which takes the general way; options out of
// range are refused alike. With filters, a keyword field, an unknown field and, after
// deletions, every term takes the general way.
TEST_F(QueryApiTest, CountOfALoneIndexedTermIsWhatItsWeightCounts) {
  using Q = Query;
  std::vector<Query> terms;
  for (const char* word : kWords) {
    terms.push_back(Q::IndexedTerm("body", word));
    terms.push_back(Q::IndexedTerm("title", word));
  }
  for (const Query& q : {Q::IndexedTerm("body", "bridg"), Q::IndexedTerm("id", "d17"),
                         Q::IndexedTerm("id", "d9999"), Q::IndexedTerm("lang", "en"),
                         Q::IndexedTerm("nosuch", "river"), Q::IndexedTerm("stars", "3"),
                         Q::IndexedTerm("body", ""), Q::IndexedTerm("body", std::string(5000, 'a')),
                         Q::IndexedTerm("", "river"), Q::IndexedTerm("body", "river").Boost(3)})
    terms.push_back(q);
  std::atomic<bool> cancelled{true};
  auto expect_same_counts = [&](const std::string& when) {
    for (const Query& q : terms) {
      SCOPED_TRACE(when + ": " + q.ToString());
      std::vector<SearchOptions> options(6);
      options[1].filters = {"lang:en"};
      options[2].cancel = &cancelled;
      options[3].deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
      options[4].proximity_window = 0;  // out of range, as scoring options are checked
      options[5].field_weights = {{"body", -1}};
      for (size_t i = 0; i < options.size(); ++i) {
        uint64_t alone = 7, in_boolean = 7;
        const Status a = searcher_->Count(q, options[i], &alone);
        const Status b = searcher_->Count(Q::Boolean().Must(q), options[i], &in_boolean);
        EXPECT_EQ(a.ToString(), b.ToString()) << "options " << i;
        EXPECT_EQ(alone, in_boolean) << "options " << i;
        if (i == 0 && a.ok()) {
          SearchOptions exact = All();
          exact.exact_total = true;
          EXPECT_EQ(alone, Run(q, exact).total);
        }
      }
    }
  };
  expect_same_counts("no deletions");
  uint64_t river = 0;
  ASSERT_TRUE(searcher_->Count(Q::IndexedTerm("body", "river"), SearchOptions(), &river).ok());
  EXPECT_GT(river, 50u);
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_, {}, &writer).ok());
    for (int d = 0; d < 600; d += 7) ASSERT_TRUE(writer->Delete("d" + std::to_string(d)).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher_).ok());
  expect_same_counts("with deletions");
  uint64_t river_now = 0;
  ASSERT_TRUE(searcher_->Count(Q::IndexedTerm("body", "river"), SearchOptions(), &river_now).ok());
  EXPECT_LT(river_now, river);
}

// Each thread keeps the analyzers it returned last, and gives them back to their searcher when
// it moves on to another: searchers queried in turn on one thread, then closed in any order
// while the thread still holds a set of theirs, answer as one alone does (and, under the
// sanitizers, free each set once).
TEST_F(QueryApiTest, SearchersQueriedInTurnOnOneThread) {
  const SearchResults want = Run("river stone");
  auto expect_same = [&](Searcher& searcher) {
    SearchResults got;
    ASSERT_TRUE(searcher.Search("river stone", All(), &got).ok());
    ASSERT_EQ(got.hits.size(), want.hits.size());
    for (size_t i = 0; i < got.hits.size(); ++i) EXPECT_EQ(got.hits[i].id, want.hits[i].id);
  };
  std::unique_ptr<Searcher> a, b;
  ASSERT_TRUE(Searcher::Open(dir_, {}, &a).ok());
  ASSERT_TRUE(Searcher::Open(dir_, {}, &b).ok());
  for (int round = 0; round < 3; ++round) {
    expect_same(*a);
    expect_same(*b);
    expect_same(*searcher_);
  }
  a.reset();  // this thread keeps the fixture's set; a's are freed with it
  expect_same(*b);
  b.reset();  // this thread keeps b's set, its searcher gone
  expect_same(*searcher_);
  std::thread other([&] {
    expect_same(*searcher_);
    expect_same(*searcher_);
  });
  other.join();
  expect_same(*searcher_);
}

// An indexed term is the analyzer's output, matched as it is: the default analyzer stems
// "bridge" to "bridg", so body:=bridg answers exactly as body:bridge, and body:=bridge (no
// term of the index) matches nothing.
TEST_F(QueryApiTest, IndexedTermsAreNotAnalyzed) {
  ExpectSameHits(Run(Q::IndexedTerm("body", "bridg")), Run(Q::Term("body", "bridge")));
  ExpectSameHits(Run(Q::IndexedTerm("title", "river")), Run(Q::Term("title", "Rivers")));
  EXPECT_GT(Run(Q::Term("body", "bridge")).total, 0u);
  for (const char* unanalyzed : {"bridge", "Bridg", "bridges", " bridg"})
    EXPECT_EQ(Run(Q::IndexedTerm("body", unanalyzed)).total, 0u) << unanalyzed;
  // Keyword and id fields: the value as indexed.
  ExpectSameHits(Run(Q::IndexedTerm("lang", "de")), Run(Q::Term("lang", "de")));
  EXPECT_EQ(Ids(Q::IndexedTerm("id", "d17")), std::set<std::string>{"d17"});
  // The syntax in the body (kSyntaxText) is text like any other: its terms are words.
  EXPECT_EQ(Run(Q::IndexedTerm("body", "a:b")).total, 0u);
  // Counted as searched, in a boolean query with analyzed words.
  const Query mixed =
      Q::Boolean().Must(Q::IndexedTerm("body", "lamp")).MustNot(Q::Term("title", "north"));
  uint64_t count = 0;
  ASSERT_TRUE(searcher_->Count(mixed, {}, &count).ok());
  EXPECT_EQ(count, Run(mixed).total);
  EXPECT_EQ(count, Run(Q::Boolean().Must(Q::Term("body", "lamp")).MustNot(Q::Term("title", "north"))).total);
  EXPECT_GT(count, 0u);
  // A field no document has matches nothing, as a word in it does.
  EXPECT_EQ(Run(Q::IndexedTerm("nosuch", "river")).total, 0u);
}

// Searcher::Analyze gives what a query's words become, so that a program searches them as
// indexed terms with the same answers.
TEST_F(QueryApiTest, AnalyzeGivesTheTermsThatIndexedTermsSearch) {
  using Terms = std::vector<std::string>;
  Terms terms = {"stale"};
  ASSERT_TRUE(searcher_->Analyze("body", "Bridges, LAMPS!", &terms).ok());
  EXPECT_EQ(terms, (Terms{"bridg", "lamp"}));
  Query all = Q::Boolean();
  for (const std::string& term : terms) all = all.Must(Q::IndexedTerm("body", term));
  ExpectSameHits(Run(all), Run("+body:Bridges +body:LAMPS"));
  EXPECT_GT(Run(all).total, 0u);
  ASSERT_TRUE(searcher_->Analyze("", "Rivers", &terms).ok());  // the index's analyzer
  EXPECT_EQ(terms, Terms{"river"});
  ASSERT_TRUE(searcher_->Analyze("nosuch", "Rivers", &terms).ok());
  EXPECT_EQ(terms, Terms{"river"});
  ASSERT_TRUE(searcher_->Analyze("body", "", &terms).ok());
  EXPECT_TRUE(terms.empty());
  // Keywords and ids are indexed as they are.
  ASSERT_TRUE(searcher_->Analyze("lang", "EN us", &terms).ok());
  EXPECT_EQ(terms, Terms{"EN us"});
  ASSERT_TRUE(searcher_->Analyze("id", "D17 x", &terms).ok());
  EXPECT_EQ(terms, Terms{"D17 x"});
  for (const char* field : {"stars", "when"}) {
    const Status s = searcher_->Analyze(field, "3", &terms);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), "field '" + std::string(field) + "' is")) << s.message();
  }
}

TEST_F(QueryApiTest, QueriesAreValues) {
  const Query base = Q::Boolean().Should(Q::Term("", "river"));
  const Query more = base.Should(Q::Term("", "stone"));
  EXPECT_EQ(base.ToString(), "(river)");
  EXPECT_EQ(more.ToString(), "(river stone)");
  // Clauses join a boolean built clause by clause; anything else becomes a required clause.
  EXPECT_EQ(Q::Term("", "a").Should(Q::Term("", "b")).ToString(), "(+a b)");
  Query parsed;
  ASSERT_TRUE(ParseQuery("a b", &parsed).ok());
  EXPECT_EQ(parsed.Filter(Q::Term("lang", "en")).ToString(), "(+(a b) #lang:en)");
  EXPECT_EQ(more.Boost(2).Must(Q::Term("", "c")).ToString(), "(+(river^2 stone^2) +c)");
  // A default Query matches nothing.
  EXPECT_EQ(Run(Query()).total, 0u);
}

TEST_F(QueryApiTest, ArgumentsOutOfRangeFailWhenRun) {
  const std::vector<Query> bad = {
      Q::Term("", "river").Boost(-1),
      Q::Term("", "river").Boost(std::numeric_limits<double>::quiet_NaN()),
      Q::Fuzzy("", "river", 3),
      Q::Phrase("", "river stone", 1001),
      Q::Range("body", "a", "b"),  // a text field
      Q::Exists(""),
      Q::IndexedTerm("", "river"),   // an indexed term is of one field
      Q::IndexedTerm("stars", "3"),  // an int field's terms are encoded values
      Q::Boolean().Should(Q::Term("", "a")).Filter(Q::Fuzzy("", "b", 5)),
  };
  for (const Query& q : bad) {
    SCOPED_TRACE(q.ToString());
    SearchResults r;
    EXPECT_TRUE(searcher_->Search(q, {}, &r).IsInvalidArgument());
    uint64_t count;
    EXPECT_TRUE(searcher_->Count(q, {}, &count).IsInvalidArgument());
    SearchOptions as_filter;
    as_filter.filter_queries = {q};
    EXPECT_TRUE(searcher_->Search(Q::MatchAll(), as_filter, &r).IsInvalidArgument());
  }
}

TEST_F(QueryApiTest, ExplanationTreesSumToTheScore) {
  struct Case {
    std::string name;
    Query query;
    bool bm25f = false;
    double proximity = 0;
  };
  const std::vector<Case> cases = {
      {"term", Q::Term("", "river")},
      {"phrase", Q::Phrase("body", "river stone", 2)},
      {"boolean", Q::Boolean()
                      .Must(Q::Term("", "river"))
                      .Should(Q::Term("title", "lamp").Boost(3))
                      .MustNot(Q::Term("", "quiet"))
                      .Filter(Q::Range("stars", "1", ""))},
      {"prefix", Q::Prefix("", "st")},
      {"bm25f", Q::Match("", "river stone willow"), true},
      {"proximity", Q::Match("", "river stone willow"), false, 0.5},
      {"bm25f and proximity", Q::Match("", "river stone willow"), true, 0.5},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SearchOptions options;
    options.top_k = 20;
    options.explain = true;
    options.bm25f = c.bm25f;
    options.proximity = c.proximity;
    const SearchResults r = Run(c.query, options);
    ASSERT_FALSE(r.hits.empty());
    for (const Hit& h : r.hits) {
      EXPECT_NEAR(h.explain_tree.value, h.score, 1e-9 * std::max(1.0, std::abs(h.score)))
          << h.explanation;
      EXPECT_FALSE(h.explain_tree.description.empty());
      EXPECT_EQ(h.explanation, h.explain_tree.ToString());
      if (h.explain_tree.description == "sum of:") {
        double sum = 0;
        for (const Explanation& d : h.explain_tree.details) sum += d.value;
        EXPECT_NEAR(sum, h.explain_tree.value, 1e-12 * std::max(1.0, sum));
      }
    }
  }
  // Without explain: nothing.
  const SearchResults plain = Run(Q::Term("", "river"));
  EXPECT_TRUE(plain.hits[0].explanation.empty());
  EXPECT_TRUE(plain.hits[0].explain_tree.description.empty());
  // The text is the tree, one line per node, two spaces per level.
  Explanation e;
  e.value = 1.5;
  e.description = "sum of:";
  e.details.push_back({1, "a", {{2, "idf", {}}}});
  e.details.push_back({0.5, "b", {}});
  EXPECT_EQ(e.ToString(), "1.5 sum of:\n  1 a\n    2 idf\n  0.5 b\n");
}

}  // namespace
}  // namespace query_api_test
}  // namespace trawl
