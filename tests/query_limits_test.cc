// Query limits (QueryLimits in SearchOptions::limits) and partial results
// (SearchOptions::allow_partial), as a program embedding the searcher and a user of
// trawl-search see them: each limit refuses a query just past it with InvalidArgument naming
// the limit, its value, the flag that raises it and the column of the clause, and admits the
// query at it; filters are held to the same limits; a search past its deadline with
// allow_partial returns real matches with their full scores and "partial": true.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/query.h"
#include "trawl/searcher.h"

#ifndef TRAWL_SEARCH_BIN
#error "TRAWL_SEARCH_BIN must be defined (tests/CMakeLists.txt does)"
#endif

namespace trawl {
namespace query_limits_test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Two segments of small documents: "quick" and "quiet" are in every other one, and each
// document has a term of its own, "term<N>", so that a prefix's expansions are counted easily.
class QueryLimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(FreshTempDir("trawl_query_limits"));
    IndexWriterOptions options;
    options.language = "none";
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_->string(), options, &writer).ok());
    for (int segment = 0; segment < 2; ++segment) {
      for (int i = 0; i < kDocsPerSegment; ++i) {
        const int id = segment * kDocsPerSegment + i;
        Document doc;
        doc.id = "d" + std::to_string(id);
        doc.Add("body", std::string(id % 2 == 0 ? "quick brown fox " : "quiet lazy dog ") +
                            "term" + std::to_string(id) + " a b c d e");
        ASSERT_TRUE(writer->Add(doc).ok());
      }
      ASSERT_TRUE(writer->Commit().ok());
    }
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(Searcher::Open(dir_->string(), {}, &searcher_).ok()); }

  // The error of searching `query` under `limits`; "" when it succeeds.
  std::string ErrorOf(const std::string& query, const QueryLimits& limits,
                      SearchOptions options = {}) const {
    options.limits = limits;
    SearchResults results;
    const Status s = searcher_->Search(query, options, &results);
    if (s.ok()) return "";
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    return s.message();
  }

  static constexpr int kDocsPerSegment = 50;
  static fs::path* dir_;
  std::unique_ptr<Searcher> searcher_;
};
fs::path* QueryLimitsTest::dir_ = nullptr;

TEST_F(QueryLimitsTest, DefaultsAreDocumentedOnes) {
  const QueryLimits limits;
  EXPECT_EQ(limits.max_query_bytes, 65536u);
  EXPECT_EQ(limits.max_depth, 256u);
  EXPECT_EQ(limits.max_clauses, 1024u);
  EXPECT_EQ(limits.max_expansions, 100000u);
  EXPECT_EQ(limits.max_phrase_terms, 256u);
  EXPECT_EQ(limits.max_top, 100000u);
  EXPECT_EQ(limits.max_offset, 1000000u);
}

TEST_F(QueryLimitsTest, DepthNamesTheLimitTheFlagAndTheColumn) {
  QueryLimits limits;
  limits.max_depth = 3;
  EXPECT_EQ(ErrorOf("((quick))", limits), "");
  EXPECT_EQ(ErrorOf("(((quick)))", limits), "");
  EXPECT_EQ(ErrorOf("fox ((((quick))))", limits),
            "at column 8: parentheses nested deeper than 3, the max_depth limit (raise it with "
            "--max-depth)");
  limits.max_depth = QueryLimits::kMaxDepthCeiling + 1;
  EXPECT_NE(ErrorOf("quick", limits).find("max_depth must be"), std::string::npos);
  // The ceiling itself works end to end: parsing, validation, weights and scorers all recurse.
  limits.max_depth = QueryLimits::kMaxDepthCeiling;
  const size_t n = QueryLimits::kMaxDepthCeiling;
  EXPECT_EQ(ErrorOf(std::string(n, '(') + "quick" + std::string(n, ')'), limits), "");
  EXPECT_NE(ErrorOf(std::string(n + 1, '(') + "quick" + std::string(n + 1, ')'), limits)
                .find("at column " + std::to_string(n + 1) +
                      ": parentheses nested deeper than " + std::to_string(n)),
            std::string::npos);
}

TEST_F(QueryLimitsTest, ClausesAreCountedAtEveryLevel) {
  QueryLimits limits;
  limits.max_clauses = 3;
  EXPECT_EQ(ErrorOf("quick brown fox", limits), "");
  EXPECT_EQ(ErrorOf("quick brown fox dog", limits),
            "at column 17: more than 3 clauses in the query, the max_clauses limit (raise it "
            "with --max-clauses)");
  // (a b) c: the group and its two words, and c.
  EXPECT_NE(ErrorOf("(quick brown) fox", limits).find("max_clauses"), std::string::npos);
  EXPECT_EQ(ErrorOf("(quick brown)", limits), "");
  // A plain-text query counts its words; a query built in code its clauses.
  SearchOptions plain;
  plain.plain_text = true;
  EXPECT_EQ(ErrorOf("quick brown fox", limits, plain), "");
  EXPECT_NE(ErrorOf("quick brown fox dog", limits, plain).find("more than 3 clauses"),
            std::string::npos);
  SearchOptions options;
  options.limits = limits;
  SearchResults results;
  Query built = Query::Boolean();
  for (const char* w : {"quick", "brown", "fox", "dog"}) built = built.Should(Query::Term("", w));
  const Status s = searcher_->Search(built, options, &results);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("--max-clauses"), std::string::npos) << s.message();
  // The public parser keeps the same limits.
  Query parsed;
  EXPECT_TRUE(ParseQuery("quick brown fox dog", limits, &parsed).IsInvalidArgument());
  EXPECT_TRUE(ParseQuery("quick brown fox dog", &parsed).ok());
}

TEST_F(QueryLimitsTest, QueryAndFilterBytes) {
  QueryLimits limits;
  limits.max_query_bytes = 20;
  EXPECT_EQ(ErrorOf("quick brown fox dog", limits), "");  // 19 bytes
  EXPECT_EQ(ErrorOf("quick brown fox dogs a", limits),
            "the query is 22 bytes, more than 20, the max_query_bytes limit (raise it with "
            "--max-query-bytes)");
  SearchOptions plain;
  plain.plain_text = true;
  EXPECT_NE(ErrorOf(std::string(21, 'x'), limits, plain).find("max_query_bytes"),
            std::string::npos);
  SearchOptions filtered;
  filtered.filters = {std::string(200, 'q')};
  const std::string error = ErrorOf("quick", limits, filtered);
  EXPECT_NE(error.find("filter 1 ("), std::string::npos) << error;
  EXPECT_NE(error.find("the filter is 200 bytes"), std::string::npos) << error;
  EXPECT_EQ(error.find(std::string(100, 'q')), std::string::npos) << "a long filter is cut short";
  // Count holds to them too.
  SearchOptions options;
  options.limits = limits;
  uint64_t count = 0;
  EXPECT_TRUE(searcher_->Count("quick brown fox dogs a", options, &count).IsInvalidArgument());
}

TEST_F(QueryLimitsTest, ExpansionsOfPrefixWildcardAndFuzzyWords) {
  QueryLimits limits;
  // term0 ... term49 in each segment: 50 expansions a segment.
  limits.max_expansions = 50;
  SearchOptions options;
  options.limits = limits;
  SearchResults results;
  ASSERT_TRUE(searcher_->Search("term*", options, &results).ok());
  EXPECT_EQ(results.total, 2u * kDocsPerSegment);
  limits.max_expansions = 49;
  EXPECT_EQ(ErrorOf("fox OR term*", limits),
            "at column 8: 'term*' matches more than 49 terms of field 'body' in one segment, the "
            "max_expansions limit (raise it with --max-expansions)");
  EXPECT_NE(ErrorOf("te?m*", limits).find("at column 1: 'te?m*' matches more than 49"),
            std::string::npos);
  limits.max_expansions = 5;
  // term1~1 is within one edit of term1, term0, term2, ... term9, term10..term19.
  EXPECT_NE(ErrorOf("quick term1~1", limits).find("at column 7: 'term1~1' matches more than 5"),
            std::string::npos);
  options.limits = limits;
  uint64_t count = 0;
  EXPECT_TRUE(searcher_->Count("term*", options, &count).IsInvalidArgument());
  // Counted per word: term1* and term2* match 11 terms each (term1, term10 ... term19).
  limits.max_expansions = 11;
  EXPECT_EQ(ErrorOf("term1* OR term2*", limits), "");
}

TEST_F(QueryLimitsTest, PhraseTerms) {
  QueryLimits limits;
  limits.max_phrase_terms = 4;
  EXPECT_EQ(ErrorOf("\"a b c d\"", limits), "");
  EXPECT_EQ(ErrorOf("fox \"a b c d e\"~2", limits),
            "at column 5: a phrase of 5 terms in field 'body', more than 4, the "
            "max_phrase_terms limit (raise it with --max-phrase-terms)");
  // A word the analyzer splits is a phrase too.
  EXPECT_NE(ErrorOf("a-b-c-d-e", limits).find("max_phrase_terms"), std::string::npos);
}

TEST_F(QueryLimitsTest, TopAndOffset) {
  QueryLimits limits;
  limits.max_top = 10;
  limits.max_offset = 20;
  SearchOptions options;
  options.top_k = 10;
  options.offset = 20;
  EXPECT_EQ(ErrorOf("quick", limits, options), "");
  options.top_k = 11;
  EXPECT_EQ(ErrorOf("quick", limits, options),
            "top_k 11 is more than 10, the max_top limit (raise it with --max-top)");
  options.top_k = 10;
  options.offset = 21;
  EXPECT_NE(ErrorOf("quick", limits, options).find("--max-offset"), std::string::npos);
  // A count asks for no page.
  options.count_only = true;
  options.top_k = 1000;
  EXPECT_EQ(ErrorOf("quick", limits, options), "");
}

TEST_F(QueryLimitsTest, PartialWithAnExpiredDeadlineIsAnEmptyPartialAnswer) {
  SearchOptions options;
  options.deadline = Clock::now() - std::chrono::seconds(1);
  options.allow_partial = true;
  SearchResults results;
  const Status s = searcher_->Search("quick OR \"brown fox\"", options, &results);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(results.partial);
  EXPECT_FALSE(results.total_exact);
  EXPECT_TRUE(results.hits.empty());
  // Count knows no partial answer; cancellation is never one.
  uint64_t count = 1;
  EXPECT_TRUE(searcher_->Count("quick", options, &count).IsDeadlineExceeded());
  std::atomic<bool> cancel{true};
  options.deadline = Clock::time_point::max();
  options.cancel = &cancel;
  EXPECT_TRUE(searcher_->Search("quick", options, &results).IsCancelled());
  // A query that finishes in time is complete, not partial.
  options.cancel = nullptr;
  options.deadline = Clock::now() + std::chrono::minutes(5);
  ASSERT_TRUE(searcher_->Search("quick", options, &results).ok());
  EXPECT_FALSE(results.partial);
  EXPECT_EQ(results.total, static_cast<uint64_t>(kDocsPerSegment));
}

// ---- partial results of a query stopped while it runs

class PartialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(FreshTempDir("trawl_partial"));
    IndexWriterOptions options;
    options.language = "none";
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_->string(), options, &writer).ok());
    std::mt19937 rng(5);
    for (int id = 0; id < kDocs; ++id) {
      std::string body;
      for (int w = 0; w < 400; ++w) {
        body += static_cast<char>('a' + rng() % 4);
        body += static_cast<char>('a' + rng() % 4);
        body += ' ';
      }
      Document doc;
      doc.id = std::to_string(id);
      doc.Add("body", body);
      ASSERT_TRUE(writer->Add(doc).ok());
      if (id % 1500 == 1499) {
        ASSERT_TRUE(writer->Commit().ok());
      }
    }
    ASSERT_TRUE(writer->Commit().ok());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(Searcher::Open(dir_->string(), {}, &searcher_).ok()); }

  static constexpr int kDocs = 4500;
  // Sloppy phrases check every position of every document: slow, and scored document by
  // document, so that there are hits to find before the deadline. (An exclusion of a phrase
  // would spend most of the time building its set before the first hit.)
  static constexpr const char* kSlowQuery =
      "\"aa bb cc dd ab ba\"~60 \"ac ca bd db cd dc\"~60 \"ad da bc cb aa dd\"~60 "
      "\"ab cd ba dc ac bd\"~60 ab";
  static fs::path* dir_;
  std::unique_ptr<Searcher> searcher_;
};
fs::path* PartialTest::dir_ = nullptr;

TEST_F(PartialTest, HitsFoundBeforeTheDeadlineAreRealMatchesWithTheirScores) {
  SearchOptions all;
  all.top_k = kDocs;
  all.load_documents = false;
  SearchResults full;
  const auto start = Clock::now();
  ASSERT_TRUE(searcher_->Search(kSlowQuery, all, &full).ok());
  const auto full_time = Clock::now() - start;
  if (full_time < std::chrono::milliseconds(50)) {
    GTEST_SKIP() << "the query took only "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(full_time).count()
                 << " ms here: too fast to stop halfway";
  }
  std::map<std::pair<uint32_t, uint32_t>, double> scores;
  for (const Hit& h : full.hits) scores[{h.segment, h.docid}] = h.score;

  for (bool exact_total : {true, false}) {
    SearchOptions options;
    options.top_k = 20;
    options.exact_total = exact_total;
    options.allow_partial = true;
    options.deadline = Clock::now() + full_time / 6;
    SearchResults partial;
    const Status s = searcher_->Search(kSlowQuery, options, &partial);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(partial.partial);
    EXPECT_FALSE(partial.total_exact);
    EXPECT_LE(partial.total, full.total);
    EXPECT_GE(partial.total, partial.hits.size());
    EXPECT_TRUE(partial.next.empty());
    EXPECT_FALSE(partial.hits.empty()) << "documents are scored within the first sixth";
    for (const Hit& h : partial.hits) {
      EXPECT_FALSE(h.id.empty()) << "partial hits are loaded";
      const auto it = scores.find({h.segment, h.docid});
      ASSERT_NE(it, scores.end()) << "doc " << h.id << " is no match";
      EXPECT_NEAR(h.score, it->second, 1e-9 * it->second) << "doc " << h.id;
    }
    // Best first.
    for (size_t i = 1; i < partial.hits.size(); ++i)
      EXPECT_GE(partial.hits[i - 1].score, partial.hits[i].score);
  }
}

TEST_F(PartialTest, SortedByFieldsToo) {
  SearchOptions options;
  options.sort = {{"score", false}};  // ascending score: every match is scored
  options.allow_partial = true;
  options.deadline = Clock::now() + std::chrono::milliseconds(5);
  SearchResults partial;
  const Status s = searcher_->Search(kSlowQuery, options, &partial);
  ASSERT_TRUE(s.ok()) << s.ToString();
  if (!partial.partial) {
    GTEST_SKIP() << "the query finished within 5 ms";
  }
  EXPECT_FALSE(partial.total_exact);
  for (size_t i = 1; i < partial.hits.size(); ++i)
    EXPECT_LE(partial.hits[i - 1].score, partial.hits[i].score);
}

TEST_F(PartialTest, CliPartialAndLimitFlags) {
  const fs::path out_dir = FreshTempDir("trawl_partial_cli");
  auto run = [&](const std::string& args, std::string* out, std::string* err) {
    const int status = RunIn(out_dir, std::string(TRAWL_SEARCH_BIN) + " --index " +
                                          Quote(dir_->string()) + " " + args + " >out 2>err");
    *out = ReadFile(out_dir / "out");
    *err = ReadFile(out_dir / "err");
    return WEXITSTATUS(status);
  };
  std::string out, err;
  EXPECT_EQ(run("--timeout-ms 1 --json " + Quote(kSlowQuery), &out, &err), 1);
  EXPECT_TRUE(Contains(err, "--timeout-ms 1")) << err;
  EXPECT_EQ(run("--timeout-ms 1 --partial --json " + Quote(kSlowQuery), &out, &err), 0) << err;
  EXPECT_TRUE(Contains(out, "\"partial\":true")) << out;
  EXPECT_EQ(run("--timeout-ms 1 --partial --count " + Quote(kSlowQuery), &out, &err), 0) << err;
  EXPECT_TRUE(Contains(out, "partial")) << out;
  EXPECT_EQ(run("--partial ab", &out, &err), 1);
  EXPECT_TRUE(Contains(err, "--partial needs --timeout-ms")) << err;
  EXPECT_EQ(run("--max-clauses 2 'ab ba cd'", &out, &err), 1);
  EXPECT_TRUE(Contains(err, "more than 2 clauses")) << err;
  EXPECT_TRUE(Contains(err, "--max-clauses")) << err;
  EXPECT_EQ(run("--max-clauses 3 --count 'ab ba cd'", &out, &err), 0) << err;
  EXPECT_EQ(run("--max-depth 1 '((ab))'", &out, &err), 1);
  EXPECT_TRUE(Contains(err, "at column 2: parentheses nested deeper than 1")) << err;
  EXPECT_EQ(run("--max-depth 5000 ab", &out, &err), 1);
  EXPECT_TRUE(Contains(err, "--max-depth must be from 1 to 500")) << err;
  EXPECT_EQ(run("--max-expansions 3 'a*'", &out, &err), 1);
  EXPECT_TRUE(Contains(err, "--max-expansions")) << err;
  EXPECT_EQ(run("--max-phrase-terms 2 '\"ab ba cd\"'", &out, &err), 1);
  EXPECT_TRUE(Contains(err, "--max-phrase-terms")) << err;
  EXPECT_EQ(run("--max-query-bytes 4 'ab ba'", &out, &err), 1);
  EXPECT_TRUE(Contains(err, "--max-query-bytes")) << err;
  EXPECT_EQ(run("--top 200000 ab", &out, &err), 1);
  EXPECT_TRUE(Contains(err, "--max-top")) << err;
  EXPECT_EQ(run("--top 200000 --max-top 200000 --count ab", &out, &err), 0) << err;
  fs::remove_all(out_dir);
}

}  // namespace
}  // namespace query_limits_test
}  // namespace trawl
