// Deadlines and cancellation (SearchOptions::deadline, SearchOptions::cancel), as a program
// embedding the searcher sees them: an expired deadline or a set flag stops term, boolean,
// phrase, wildcard, fuzzy, prefix, filtered, sorted, faceted and counting queries with the
// right code and no partial results, in each of the ways a query is executed (counted
// first, counted in the scoring pass, top k without counting); a flag set from another thread,
// or a deadline passing, stops a deliberately slow query long before it would finish; a
// generous deadline and an unset flag change nothing; trawl-search's --timeout-ms.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

#ifndef TRAWL_SEARCH_BIN
#error "TRAWL_SEARCH_BIN must be defined (tests/CMakeLists.txt does)"
#endif

namespace trawl {
namespace query_deadline_test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* const kWords[] = {"quick", "brown", "fox", "jumps", "over", "lazy", "dog",
                              "quack", "quiet", "bright", "fog",   "jump", "lake", "dot"};

// A small index in three segments, one with deletions: every query below matches in each.
class DeadlineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(FreshTempDir("trawl_deadline_small"));
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_->string(), {}, &writer).ok());
    std::mt19937 rng(7);
    int id = 0;
    for (int segment = 0; segment < 3; ++segment) {
      for (int i = 0; i < 200; ++i, ++id) {
        Document doc;
        doc.id = "d" + std::to_string(id);
        std::string body = id % 3 == 0 ? "the quick brown fox " : "";
        for (int w = 0; w < 12; ++w) body += std::string(kWords[rng() % std::size(kWords)]) + " ";
        doc.Add("title", "doc " + std::to_string(id));
        doc.Add("body", body);
        doc.Add("color", id % 2 == 0 ? "red" : "blue", ValueKind::kKeyword);
        doc.AddInt("n", id % 17);
        ASSERT_TRUE(writer->Add(doc).ok());
      }
      ASSERT_TRUE(writer->Commit().ok());
    }
    ASSERT_TRUE(writer->Delete("d5").ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(Searcher::Open(dir_->string(), {}, &searcher_).ok()); }

  static fs::path* dir_;
  std::unique_ptr<Searcher> searcher_;
};
fs::path* DeadlineTest::dir_ = nullptr;

struct Case {
  const char* name;
  std::string query;
  SearchOptions options;
};

// Every kind of query, each in every way Search executes it.
std::vector<Case> Cases() {
  const std::vector<std::pair<const char*, std::string>> queries = {
      {"term", "fox"},
      {"boolean", "+quick +fox -lazy"},
      {"disjunction", "quick OR fog OR dot"},
      {"phrase", "\"quick brown fox\""},
      {"sloppy phrase", "\"fox quick\"~3"},
      {"wildcard", "q*i?k"},
      {"prefix", "qu*"},
      {"fuzzy", "quock~1"},
      {"field term", "body:lazy"},
  };
  std::vector<Case> cases;
  for (const auto& [name, query] : queries) {
    SearchOptions counted;  // exact total: counted first, or in the scoring pass for phrases
    cases.push_back({name, query, counted});
    SearchOptions top_k;
    top_k.exact_total = false;  // top k with pruning, nothing counted
    cases.push_back({name, query, top_k});
    SearchOptions count_only;
    count_only.count_only = true;
    cases.push_back({name, query, count_only});
    SearchOptions sorted;
    sorted.sort = {{"n", true}};
    cases.push_back({name, query, sorted});
    SearchOptions by_score_sorted;
    by_score_sorted.sort = {{"n", false}, {"score", true}};
    cases.push_back({name, query, by_score_sorted});
    SearchOptions faceted;
    faceted.facets = {{"color", 10}};
    faceted.range_facets = {{"n", "5"}};
    cases.push_back({name, query, faceted});
    SearchOptions filtered;
    filtered.filters = {"color:red", "fo*"};
    cases.push_back({name, query, filtered});
  }
  return cases;
}

std::string Describe(const Case& c) {
  std::string s = std::string(c.name) + " '" + c.query + "'";
  if (!c.options.exact_total) s += " without exact total";
  if (c.options.count_only) s += " count only";
  if (!c.options.sort.empty()) s += " sorted";
  if (!c.options.facets.empty()) s += " faceted";
  if (!c.options.filters.empty()) s += " filtered";
  return s;
}

void ExpectStopped(const Status& s, const SearchResults& r, Status::Code code,
                   const std::string& what) {
  EXPECT_EQ(s.code(), code) << what << ": " << s.ToString();
  EXPECT_TRUE(r.hits.empty()) << what;
  EXPECT_EQ(r.total, 0u) << what;
  EXPECT_TRUE(r.facets.empty()) << what;
  EXPECT_TRUE(r.next.empty()) << what;
}

TEST_F(DeadlineTest, EveryQueryMatchesWithoutAStop) {
  // The cases below would pass vacuously on queries that find nothing.
  for (const Case& c : Cases()) {
    SearchResults r;
    ASSERT_TRUE(searcher_->Search(c.query, c.options, &r).ok()) << Describe(c);
    EXPECT_GT(r.total, 0u) << Describe(c);
  }
}

TEST_F(DeadlineTest, ExpiredDeadlineStopsEveryQuery) {
  for (Case c : Cases()) {
    c.options.deadline = Clock::now();
    SearchResults r;
    const Status s = searcher_->Search(c.query, c.options, &r);
    ExpectStopped(s, r, Status::Code::kDeadlineExceeded, Describe(c));
    EXPECT_TRUE(s.IsDeadlineExceeded());
  }
}

TEST_F(DeadlineTest, SetCancelFlagStopsEveryQuery) {
  const std::atomic<bool> cancel{true};
  for (Case c : Cases()) {
    c.options.cancel = &cancel;
    SearchResults r;
    const Status s = searcher_->Search(c.query, c.options, &r);
    ExpectStopped(s, r, Status::Code::kCancelled, Describe(c));
    EXPECT_TRUE(s.IsCancelled());
  }
}

TEST_F(DeadlineTest, CountHonorsDeadlineAndCancel) {
  const std::atomic<bool> cancel{true};
  for (const char* query : {"fox", "+quick +fox", "\"quick brown\"", "q*k", "quock~1"}) {
    SearchOptions expired;
    expired.deadline = Clock::now() - std::chrono::seconds(1);
    uint64_t n = 99;
    EXPECT_TRUE(searcher_->Count(query, expired, &n).IsDeadlineExceeded()) << query;
    EXPECT_EQ(n, 0u);
    SearchOptions cancelled;
    cancelled.cancel = &cancel;
    n = 99;
    EXPECT_TRUE(searcher_->Count(query, cancelled, &n).IsCancelled()) << query;
    EXPECT_EQ(n, 0u);
    cancelled.filters = {"color:red"};
    EXPECT_TRUE(searcher_->Count(query, cancelled, &n).IsCancelled()) << query;
  }
}

TEST_F(DeadlineTest, GenerousDeadlineAndUnsetFlagChangeNothing) {
  const std::atomic<bool> cancel{false};
  for (const Case& c : Cases()) {
    SearchResults plain, bounded;
    ASSERT_TRUE(searcher_->Search(c.query, c.options, &plain).ok());
    SearchOptions options = c.options;
    options.deadline = Clock::now() + std::chrono::hours(1);
    options.cancel = &cancel;
    ASSERT_TRUE(searcher_->Search(c.query, options, &bounded).ok()) << Describe(c);
    EXPECT_EQ(plain.total, bounded.total) << Describe(c);
    EXPECT_EQ(plain.next, bounded.next) << Describe(c);
    ASSERT_EQ(plain.hits.size(), bounded.hits.size()) << Describe(c);
    for (size_t i = 0; i < plain.hits.size(); ++i) {
      EXPECT_EQ(plain.hits[i].id, bounded.hits[i].id) << Describe(c);
      EXPECT_EQ(plain.hits[i].score, bounded.hits[i].score) << Describe(c);
    }
    ASSERT_EQ(plain.facets.size(), bounded.facets.size());
    for (size_t f = 0; f < plain.facets.size(); ++f) {
      ASSERT_EQ(plain.facets[f].counts.size(), bounded.facets[f].counts.size());
      for (size_t i = 0; i < plain.facets[f].counts.size(); ++i)
        EXPECT_EQ(plain.facets[f].counts[i].count, bounded.facets[f].counts[i].count);
    }
    uint64_t counted_plain = 0, counted_bounded = 0;
    ASSERT_TRUE(searcher_->Count(c.query, c.options, &counted_plain).ok());
    ASSERT_TRUE(searcher_->Count(c.query, options, &counted_bounded).ok());
    EXPECT_EQ(counted_plain, counted_bounded) << Describe(c);
  }
}

TEST_F(DeadlineTest, CountWithOptionsHonorsFiltersAndPlainText) {
  SearchOptions filtered;
  filtered.filters = {"color:red"};
  SearchResults r;
  ASSERT_TRUE(searcher_->Search("fox", filtered, &r).ok());
  uint64_t n = 0;
  ASSERT_TRUE(searcher_->Count("fox", filtered, &n).ok());
  EXPECT_EQ(n, r.total);
  uint64_t all = 0;
  ASSERT_TRUE(searcher_->Count("fox", &all).ok());
  EXPECT_LT(n, all);
  SearchOptions plain;
  plain.plain_text = true;
  ASSERT_TRUE(searcher_->Count("+fox (", plain, &n).ok());  // no syntax in plain text
  EXPECT_EQ(n, all);
  // What concerns only hits is no error in a count.
  SearchOptions sorted;
  sorted.sort = {{"no_such_field", false}};
  sorted.facets = {{"no_such_field", 3}};
  ASSERT_TRUE(searcher_->Count("fox", sorted, &n).ok());
  EXPECT_EQ(n, all);
}

// ---- a deliberately slow query, stopped while it runs

// An index whose sloppy phrases read thousands of positions in every document: every
// document holds every word of a small vocabulary many times.
class SlowQueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(FreshTempDir("trawl_deadline_slow"));
    IndexWriterOptions options;
    options.language = "none";
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_->string(), options, &writer).ok());
    std::mt19937 rng(11);
    std::string body;
    for (int id = 0; id < kDocs; ++id) {
      body.clear();
      for (int w = 0; w < kWordsPerDoc; ++w) {
        body += static_cast<char>('a' + rng() % 4);
        body += static_cast<char>('a' + rng() % 4);
        body += ' ';
      }
      Document doc;
      doc.id = std::to_string(id);
      doc.Add("body", body);
      ASSERT_TRUE(writer->Add(doc).ok());
    }
    ASSERT_TRUE(writer->Commit().ok());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(Searcher::Open(dir_->string(), {}, &searcher_).ok()); }

  // The full run's time, and its hits, to compare stopped runs with.
  double FullRunSeconds(SearchResults* results) const {
    const auto start = Clock::now();
    EXPECT_TRUE(searcher_->Search(kSlowQuery, {}, results).ok());
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return seconds;
  }

  static constexpr int kDocs = 12000;
  static constexpr int kWordsPerDoc = 600;  // 16 two-letter words: each ~37 times a document
  // Sloppy phrases (every position of every document), a wildcard and a fuzzy word.
  static constexpr const char* kSlowQuery =
      "\"aa bb cc dd ab ba\"~60 \"ac ca bd db cd dc\"~60 \"ad da bc cb aa dd\"~60 "
      "\"ab cd ba dc ac bd\"~60 *a* ac~1";
  static fs::path* dir_;
  std::unique_ptr<Searcher> searcher_;
};
fs::path* SlowQueryTest::dir_ = nullptr;

TEST_F(SlowQueryTest, CancelFromAnotherThreadStopsARunningQuery) {
  SearchResults full;
  const double full_seconds = FullRunSeconds(&full);
  ASSERT_GT(full.total, 0u);
  std::atomic<bool> cancel{false};
  SearchOptions options;
  options.cancel = &cancel;
  // Set while the query runs: a twentieth of its full time in.
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(full_seconds / 20));
    cancel.store(true);
  });
  const auto start = Clock::now();
  SearchResults r;
  const Status s = searcher_->Search(kSlowQuery, options, &r);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  canceller.join();
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_TRUE(r.hits.empty());
  // Loosely (a shared, noisy machine): far sooner than the whole query.
  EXPECT_LT(seconds, full_seconds / 2) << "full run " << full_seconds << " s";
}

TEST_F(SlowQueryTest, DeadlineStopsARunningQuery) {
  SearchResults full;
  const double full_seconds = FullRunSeconds(&full);
  SearchOptions options;
  const auto start = Clock::now();
  options.deadline = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(full_seconds / 20));
  SearchResults r;
  const Status s = searcher_->Search(kSlowQuery, options, &r);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_TRUE(s.IsDeadlineExceeded()) << s.ToString();
  EXPECT_TRUE(r.hits.empty());
  EXPECT_LT(seconds, full_seconds / 2) << "full run " << full_seconds << " s";
  // The same searcher answers in full afterwards: nothing of the stop is left behind.
  SearchResults again;
  ASSERT_TRUE(searcher_->Search(kSlowQuery, {}, &again).ok());
  EXPECT_EQ(again.total, full.total);
}

TEST_F(SlowQueryTest, OneFlagStopsQueriesOnSeveralThreads) {
  SearchResults full;
  const double full_seconds = FullRunSeconds(&full);
  std::atomic<bool> cancel{false};
  SearchOptions options;
  options.cancel = &cancel;
  std::vector<Status> statuses(3);
  std::vector<std::thread> threads;
  for (Status& status : statuses) {
    threads.emplace_back([&] {
      SearchResults r;
      status = searcher_->Search(kSlowQuery, options, &r);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(full_seconds / 20));
  cancel.store(true);
  for (std::thread& t : threads) t.join();
  for (const Status& s : statuses) EXPECT_TRUE(s.IsCancelled()) << s.ToString();
}

// trawl-search --timeout-ms: a query past it is an error saying so; a generous one prints the
// same as none; a bad value is refused.
TEST_F(SlowQueryTest, CliTimeout) {
  const fs::path out = FreshTempDir("trawl_deadline_cli");
  auto run = [&](const std::string& args, std::string* stdout_text, std::string* stderr_text) {
    const std::string command = Quote(TRAWL_SEARCH_BIN) + " --index " + Quote(dir_->string()) +
                                " " + args + " >" + Quote((out / "out").string()) + " 2>" +
                                Quote((out / "err").string());
    const int status = std::system(command.c_str());
    *stdout_text = ReadFile(out / "out");
    *stderr_text = ReadFile(out / "err");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string o, e;
  EXPECT_EQ(run("--timeout-ms 1 --json " + Quote(kSlowQuery), &o, &e), 1);
  EXPECT_TRUE(Contains(e, "the query ran longer than --timeout-ms 1 and was stopped")) << e;
  EXPECT_TRUE(o.empty()) << o;

  std::string without, with;
  EXPECT_EQ(run("--count 'aa bb'", &without, &e), 0) << e;
  EXPECT_EQ(run("--timeout-ms 600000 --count 'aa bb'", &with, &e), 0) << e;
  EXPECT_EQ(with, without);
  EXPECT_FALSE(without.empty());

  EXPECT_EQ(run("--timeout-ms -5 aa", &o, &e), 1);
  EXPECT_TRUE(Contains(e, "--timeout-ms must be between 0 (no limit) and")) << e;
  fs::remove_all(out);
}

}  // namespace
}  // namespace query_deadline_test
}  // namespace trawl
