// Exclusions beside positive clauses that cannot match, on small indexes: a query whose only
// positive clauses match nothing matches nothing (as in Lucene), while a query with no positive
// clause at all (after clauses that analyze to no term are left out, as Lucene's QueryParser
// does) is purely negative: every document but those it excludes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace query_negation_test {
namespace {

class QueryNegationTest : public ::testing::Test {
 protected:
  void TearDown() override {
    searcher_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Eight documents, three with "light" (one only in its title), two with "dark"; documents
  // in two segments so that every path through several segments runs.
  void Build(const std::string& stopwords) {
    dir_ = FreshTempDir("trawl_negation");
    const std::vector<std::pair<std::string, std::string>> docs = {
        {"Lamp", "the light in the hall"},     {"Cellar", "a dark and damp room"},
        {"Attic", "dust on the boxes"},        {"Light", "a lamp for reading"},
        {"Garden", "light rain on the roses"}, {"Shed", "tools and a dark corner"},
        {"Kitchen", "bread and butter"},       {"Porch", "a chair by the door"}};
    for (size_t batch = 0; batch < 2; ++batch) {
      IndexWriterOptions options;
      options.stopwords = stopwords;
      std::unique_ptr<IndexWriter> writer;
      ASSERT_TRUE(IndexWriter::Open(dir_.string(), options, &writer).ok());
      for (size_t i = batch * 4; i < batch * 4 + 4; ++i) {
        Document d;
        d.id = "d" + std::to_string(i);
        d.fields = {{"title", docs[i].first}, {"body", docs[i].second}};
        ASSERT_TRUE(writer->Add(d).ok());
      }
      ASSERT_TRUE(writer->Commit().ok());
    }
    ASSERT_TRUE(Searcher::Open(dir_.string(), {}, &searcher_).ok());
    ASSERT_EQ(searcher_->num_docs(), 8u);
  }

  // Count, an exact top k and a top k without counting must agree; returns the count.
  uint64_t Matches(const std::string& query, std::vector<double>* scores = nullptr) {
    SCOPED_TRACE("query: " + query);
    uint64_t count = 0;
    Status s = searcher_->Count(query, &count);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (bool exact_total : {true, false}) {
      SearchOptions options;
      options.top_k = 100;
      options.exact_total = exact_total;
      SearchResults res;
      s = searcher_->Search(query, options, &res);
      EXPECT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(res.hits.size(), count);
      if (exact_total) {
        EXPECT_EQ(res.total, count);
      }
      if (scores != nullptr && exact_total) {
        scores->clear();
        for (const Hit& h : res.hits) scores->push_back(h.score);
      }
    }
    return count;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Searcher> searcher_;
};

// Five documents have no "light"; two have "dark".
constexpr uint64_t kWithoutLight = 5;

TEST_F(QueryNegationTest, AbsentWordWithExclusionMatchesNothing) {
  Build("");
  EXPECT_EQ(Matches("zzzznotaword -light"), 0u);
  EXPECT_EQ(Matches("zzzznotaword NOT light"), 0u);
  EXPECT_EQ(Matches("zzzznotaword yyyynotaword -light"), 0u);
  EXPECT_EQ(Matches("title:zzzznotaword -light"), 0u);
  EXPECT_EQ(Matches("nosuchfield:dark -light"), 0u);
  // A required absent word beside an optional one that matches: still nothing.
  EXPECT_EQ(Matches("+zzzznotaword dark -light"), 0u);
  // An absent word beside one that matches: the other one's documents.
  EXPECT_EQ(Matches("zzzznotaword dark -light"), 2u);
}

TEST_F(QueryNegationTest, AbsentPhraseWithExclusionMatchesNothing) {
  Build("");
  EXPECT_EQ(Matches("\"no such phrase\" -light"), 0u);
  // Words that are in the index but never adjacent.
  EXPECT_EQ(Matches("\"dark light\" -light"), 0u);
  EXPECT_EQ(Matches("\"damp room\" -light"), 1u);
}

TEST_F(QueryNegationTest, PrefixMatchingNothingWithExclusionMatchesNothing) {
  Build("");
  EXPECT_EQ(Matches("zzzz* -light"), 0u);
  EXPECT_EQ(Matches("nosuchfield:da* -light"), 0u);
  EXPECT_EQ(Matches("da* -light"), 2u);
}

TEST_F(QueryNegationTest, PurelyNegativeQueriesMatchEveryOtherDocument) {
  Build("");
  std::vector<double> scores;
  EXPECT_EQ(Matches("-light", &scores), kWithoutLight);
  for (double s : scores) EXPECT_EQ(s, 0.0);
  EXPECT_EQ(Matches("NOT light"), kWithoutLight);
  EXPECT_EQ(Matches("-light -dark"), kWithoutLight - 2);
  // Negations of words no document has exclude nothing.
  EXPECT_EQ(Matches("-zzzznotaword"), 8u);
  EXPECT_EQ(Matches("-zzzznotaword -light"), kWithoutLight);
}

TEST_F(QueryNegationTest, NestedGroupsOfAbsentWords) {
  Build("");
  EXPECT_EQ(Matches("+(zzzz yyyy) -light"), 0u);
  EXPECT_EQ(Matches("(zzzz yyyy) -light"), 0u);
  EXPECT_EQ(Matches("(zzzz AND dark) -light"), 0u);
  // The group matches nothing, so the disjunction is "dark" alone.
  EXPECT_EQ(Matches("(zzzz -light) OR dark"), 2u);
  EXPECT_EQ(Matches("(\"no such phrase\" -light) OR dark"), 2u);
  EXPECT_EQ(Matches("(zzzz* -light) OR dark"), 2u);
  EXPECT_EQ(Matches("+dark +(zzzz -light)"), 0u);
}

// A clause that analyzes to no term (a stop word, only punctuation) is left out, as Lucene's
// QueryParser leaves it out: what remains decides, and nothing but negations is purely negative.
TEST_F(QueryNegationTest, ClausesThatAnalyzeToNoTermAreLeftOut) {
  Build("english");
  std::vector<double> scores;
  EXPECT_EQ(Matches("the -light", &scores), kWithoutLight);
  for (double s : scores) EXPECT_EQ(s, 0.0);
  EXPECT_EQ(Matches("+the -light"), kWithoutLight);
  EXPECT_EQ(Matches("\"the\" -light"), kWithoutLight);
  EXPECT_EQ(Matches("\"to the\" -light"), kWithoutLight);
  EXPECT_EQ(Matches("the AND a -light"), kWithoutLight);
  EXPECT_EQ(Matches("(the a) -light"), kWithoutLight);
  EXPECT_EQ(Matches("+(the) -light"), kWithoutLight);
  EXPECT_EQ(Matches(", -light"), kWithoutLight);
  EXPECT_EQ(Matches("the NOT light"), kWithoutLight);
  // Beside a word no document has, the stop word changes nothing: nothing matches.
  EXPECT_EQ(Matches("the zzzznotaword -light"), 0u);
  EXPECT_EQ(Matches("+the +zzzznotaword -light"), 0u);
  // Beside a word that matches, the stop word is no constraint.
  EXPECT_EQ(Matches("+the +dark -light"), 2u);
  EXPECT_EQ(Matches("the dark"), 2u);
  // A negated stop word is left out too; with nothing left, nothing matches, as a query of
  // stop words alone.
  EXPECT_EQ(Matches("the"), 0u);
  EXPECT_EQ(Matches("-the"), 0u);
  EXPECT_EQ(Matches("NOT the"), 0u);
  EXPECT_EQ(Matches("dark -the"), 2u);
  EXPECT_EQ(Matches("-the -light"), kWithoutLight);
  // In a group: the group of a stop word is left out; one of a word no document has is not.
  EXPECT_EQ(Matches("(the -light) OR zzzznotaword"), kWithoutLight);
  EXPECT_EQ(Matches("(the) OR dark"), 2u);
  // A stop word as an id is verbatim, not analyzed: a clause matching no document.
  EXPECT_EQ(Matches("id:the -light"), 0u);
  EXPECT_EQ(Matches("+id:the dark"), 0u);
}

}  // namespace
}  // namespace query_negation_test
}  // namespace trawl
