// SearcherManager as a long-running program uses it: a refresh sees new commits and deletes;
// a searcher acquired before a refresh keeps its answers (its commit's files deleted by the
// writer meanwhile); a refresh with nothing new is a no-op; a refresh that fails leaves the
// current searcher; many threads acquiring and searching while a writer commits and another
// thread refreshes in a loop (run under the sanitizer build too).
#include "trawl/searcher_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"
#include "trawl/index_writer.h"

namespace trawl {
namespace searcher_manager_test {
namespace {

namespace fs = std::filesystem;

// Every document holds "common", and "batch<N>" for the batch that added it.
Document Doc(int batch, int i) {
  Document doc;
  doc.id = "b" + std::to_string(batch) + "-" + std::to_string(i);
  doc.Add("body", "common batch" + std::to_string(batch) + " word" + std::to_string(i % 7));
  return doc;
}

uint64_t CountOf(const Searcher& searcher, const std::string& query) {
  uint64_t n = 0;
  const Status s = searcher.Count(query, &n);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return n;
}

class SearcherManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("trawl_searcher_manager");
    IndexWriterOptions options;
    options.keep_commits = 1;  // old commits' files go at once: old searchers must not mind
    ASSERT_TRUE(IndexWriter::Open(dir_.string(), options, &writer_).ok());
    AddBatch(0, 20);
    ASSERT_TRUE(writer_->Commit().ok());
  }
  void TearDown() override {
    writer_.reset();
    fs::remove_all(dir_);
  }
  void AddBatch(int batch, int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(writer_->Add(Doc(batch, i)).ok());
  }

  fs::path dir_;
  std::unique_ptr<IndexWriter> writer_;
};

TEST_F(SearcherManagerTest, OpenFailsWithoutAnIndex) {
  std::unique_ptr<SearcherManager> manager;
  const Status s = SearcherManager::Open((dir_ / "nothing").string(), {}, &manager);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_EQ(manager, nullptr);
}

TEST_F(SearcherManagerTest, RefreshSeesNewCommitsAndDeletes) {
  std::unique_ptr<SearcherManager> manager;
  ASSERT_TRUE(SearcherManager::Open(dir_.string(), {}, &manager).ok());
  const std::shared_ptr<const Searcher> first = manager->Acquire();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(CountOf(*first, "common"), 20u);

  AddBatch(1, 10);
  ASSERT_TRUE(writer_->Delete("b0-3").ok());
  ASSERT_TRUE(writer_->Commit().ok());
  // Until a refresh, the manager hands out the same searcher.
  EXPECT_EQ(manager->Acquire(), first);
  bool changed = false;
  ASSERT_TRUE(manager->MaybeRefresh(&changed).ok());
  EXPECT_TRUE(changed);
  const std::shared_ptr<const Searcher> second = manager->Acquire();
  EXPECT_NE(second, first);
  EXPECT_GT(second->generation(), first->generation());
  EXPECT_EQ(CountOf(*second, "common"), 29u);
  EXPECT_EQ(CountOf(*second, "batch1"), 10u);
  Document doc;
  EXPECT_TRUE(second->Get("b0-3", &doc).IsNotFound());

  // The searcher acquired before keeps its commit's answers, though the writer (keeping one
  // commit) has deleted that commit's files.
  EXPECT_EQ(CountOf(*first, "common"), 20u);
  EXPECT_EQ(CountOf(*first, "batch1"), 0u);
  EXPECT_TRUE(first->Get("b0-3", &doc).ok());
  SearchResults results;
  ASSERT_TRUE(first->Search("word3", {}, &results).ok());
  EXPECT_EQ(results.total, 3u);  // b0-3, b0-10, b0-17
}

TEST_F(SearcherManagerTest, RefreshWithNothingNewIsANoOp) {
  std::unique_ptr<SearcherManager> manager;
  ASSERT_TRUE(SearcherManager::Open(dir_.string(), {}, &manager).ok());
  const std::shared_ptr<const Searcher> before = manager->Acquire();
  for (int i = 0; i < 3; ++i) {
    bool changed = true;
    ASSERT_TRUE(manager->MaybeRefresh(&changed).ok());
    EXPECT_FALSE(changed);
    EXPECT_EQ(manager->Acquire(), before);
  }
  ASSERT_TRUE(manager->MaybeRefresh().ok());  // without asking what changed
  // Documents added but not committed are not a change either.
  AddBatch(1, 5);
  bool changed = true;
  ASSERT_TRUE(manager->MaybeRefresh(&changed).ok());
  EXPECT_FALSE(changed);
  EXPECT_EQ(manager->Acquire(), before);
}

TEST_F(SearcherManagerTest, AcquiredSearcherOutlivesTheManager) {
  std::shared_ptr<const Searcher> searcher;
  {
    std::unique_ptr<SearcherManager> manager;
    ASSERT_TRUE(SearcherManager::Open(dir_.string(), {}, &manager).ok());
    searcher = manager->Acquire();
  }
  EXPECT_EQ(CountOf(*searcher, "common"), 20u);
}

TEST_F(SearcherManagerTest, FailedRefreshKeepsTheCurrentSearcher) {
  std::unique_ptr<SearcherManager> manager;
  ASSERT_TRUE(SearcherManager::Open(dir_.string(), {}, &manager).ok());
  const std::shared_ptr<const Searcher> before = manager->Acquire();
  // The index directory gone: the refresh cannot read any commit.
  writer_.reset();
  fs::rename(dir_, dir_.string() + "_moved");
  bool changed = true;
  EXPECT_FALSE(manager->MaybeRefresh(&changed).ok());
  EXPECT_FALSE(changed);
  EXPECT_EQ(manager->Acquire(), before);
  EXPECT_EQ(CountOf(*manager->Acquire(), "common"), 20u);
  fs::rename(dir_.string() + "_moved", dir_);
  ASSERT_TRUE(manager->MaybeRefresh(&changed).ok());
  EXPECT_FALSE(changed);
}

// Query threads acquire and search while the writer adds, deletes and commits and another
// thread refreshes in a loop. Each searcher must be consistent with itself (its count of
// "common" is its number of live documents, and stays so however often it is asked), and the
// generations a query thread sees never go back.
TEST_F(SearcherManagerTest, ManyThreadsSearchWhileWriterCommitsAndRefresherRefreshes) {
  std::unique_ptr<SearcherManager> manager;
  ASSERT_TRUE(SearcherManager::Open(dir_.string(), {}, &manager).ok());
  std::atomic<bool> done{false};
  std::atomic<int> refreshes{0};
  std::atomic<uint64_t> queries{0};
  std::atomic<int> failures{0};

  std::thread refresher([&] {
    while (!done.load()) {
      bool changed = false;
      if (!manager->MaybeRefresh(&changed).ok()) ++failures;
      if (changed) ++refreshes;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::vector<std::thread> searchers;
  for (int t = 0; t < 4; ++t) {
    searchers.emplace_back([&] {
      uint64_t last_generation = 0;
      while (!done.load()) {
        const std::shared_ptr<const Searcher> searcher = manager->Acquire();
        if (searcher->generation() < last_generation) ++failures;
        last_generation = searcher->generation();
        uint64_t common = 0, again = 0;
        SearchResults results;
        SearchOptions options;
        options.top_k = 5;
        if (!searcher->Count("common", &common).ok() ||
            !searcher->Search("common word3", options, &results).ok() ||
            !searcher->Count("common", &again).ok()) {
          ++failures;
          continue;
        }
        if (common != searcher->num_docs() || again != common || results.total != common)
          ++failures;
        for (const Hit& hit : results.hits)
          if (hit.id.empty()) ++failures;
        ++queries;
      }
    });
  }

  // About two seconds of commits: each adds a batch and deletes most of the batch before.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int batch = 1;
  for (; std::chrono::steady_clock::now() < until; ++batch) {
    AddBatch(batch, 15);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer_->Delete(Doc(batch - 1, i).id).ok());
    ASSERT_TRUE(writer_->Commit().ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  done.store(true);
  refresher.join();
  for (std::thread& t : searchers) t.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(queries.load(), 0u);
  EXPECT_GT(refreshes.load(), 0);
  // After the last refresh, the manager sees the writer's last commit.
  ASSERT_TRUE(manager->MaybeRefresh().ok());
  const std::shared_ptr<const Searcher> last = manager->Acquire();
  EXPECT_EQ(last->num_docs(), writer_->committed_documents());
  EXPECT_EQ(CountOf(*last, "common"), writer_->committed_documents());
  EXPECT_EQ(CountOf(*last, "batch" + std::to_string(batch - 1)), 15u);
}

}  // namespace
}  // namespace searcher_manager_test
}  // namespace trawl
