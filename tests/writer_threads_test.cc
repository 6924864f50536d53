// One IndexWriter, many calling threads (the rules in include/trawl/index_writer.h): adds from
// several threads, commits racing with adds, replaces and deletes of shared ids, and fields
// first seen by several threads at once. Built for the sanitizer runs: each test takes seconds.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace writer_threads_test {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/trawl_writer_threads_XXXXXX";
  return mkdtemp(tmpl);
}

// A small memory budget, so that workers write segments while the callers add, and commits
// merge them.
IndexWriterOptions SmallBudget(uint32_t threads) {
  IndexWriterOptions opts;
  opts.memory_budget_bytes = 64 << 10;
  opts.threads = threads;
  opts.merge_factor = 4;
  return opts;
}

// Document k of calling thread t: a keyword naming the thread and an int with k, so that a
// commit's share of each thread can be counted and checked for gaps.
Document ThreadDoc(int t, int k) {
  Document doc;
  doc.id = "t" + std::to_string(t) + "d" + std::to_string(k);
  doc.Add("thread", std::to_string(t), ValueKind::kKeyword);
  doc.AddInt("k", k);
  doc.Add("body", "common words for document " + std::to_string(k) + " of thread " +
                      std::to_string(t));
  return doc;
}

uint64_t CountOf(const Searcher& s, const std::string& query) {
  uint64_t n = 0;
  Status st = s.Count(query, &n);
  EXPECT_TRUE(st.ok()) << query << ": " << st.ToString();
  return n;
}

template <typename F>
void RunThreads(int n, F body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) threads.emplace_back(body, t);
  for (auto& th : threads) th.join();
}

class WriterThreads : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override { dir_ = TempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Searcher> OpenSearcher() {
    std::unique_ptr<Searcher> s;
    Status st = Searcher::Open(dir_, {}, &s);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return s;
  }

  std::string dir_;
};

TEST_P(WriterThreads, DisjointAddsAreEachSearchableOnce) {
  constexpr int kThreads = 4, kDocs = 400;
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir_, SmallBudget(GetParam()), &writer).ok());
  std::atomic<int> failures{0};
  RunThreads(kThreads, [&](int t) {
    for (int k = 0; k < kDocs; ++k)
      if (!writer->Add(ThreadDoc(t, k)).ok()) ++failures;
  });
  ASSERT_EQ(failures.load(), 0);
  EXPECT_EQ(writer->buffered_documents(), uint64_t{kThreads * kDocs});
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(writer->buffered_documents(), 0u);
  EXPECT_EQ(writer->committed_documents(), uint64_t{kThreads * kDocs});

  auto s = OpenSearcher();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->num_docs(), uint64_t{kThreads * kDocs});
  EXPECT_EQ(CountOf(*s, "common"), uint64_t{kThreads * kDocs});
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(CountOf(*s, "thread:" + std::to_string(t)), uint64_t{kDocs});
    for (int k = 0; k < kDocs; ++k)
      ASSERT_EQ(CountOf(*s, "id:" + ThreadDoc(t, k).id), 1u) << ThreadDoc(t, k).id;
  }
}

// Every commit made while threads add holds, of each thread, the documents whose Add returned
// before the commit started and possibly some after: a prefix of its documents, without gaps.
TEST_P(WriterThreads, CommitsRacingWithAddsHoldAPrefixOfEachThread) {
  constexpr int kThreads = 3, kDocs = 600;
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir_, SmallBudget(GetParam()), &writer).ok());
  std::atomic<int> returned[kThreads] = {};
  std::atomic<int> adders_left{kThreads};
  std::atomic<int> failures{0};
  int commits = 0;

  // The only thread that commits, so a searcher it opens after a Commit sees that commit.
  auto check_commit = [&](const std::vector<int>& before) {
    auto s = OpenSearcher();
    if (s == nullptr) return;
    uint64_t total = 0;
    for (int t = 0; t < kThreads; ++t) {
      const std::string thread = "+thread:" + std::to_string(t);
      const uint64_t c = CountOf(*s, thread);
      total += c;
      EXPECT_GE(c, uint64_t(before[t])) << "thread " << t << ": an Add that returned is missing";
      // c documents with k < c, and ids are distinct: exactly documents 0..c-1.
      if (c > 0) {
        EXPECT_EQ(CountOf(*s, thread + " +k:>=" + std::to_string(c)), 0u)
            << "thread " << t << ": a gap in the first " << c << " documents";
      }
    }
    EXPECT_EQ(s->num_docs(), total);
    EXPECT_EQ(writer->committed_documents(), total);
  };
  std::thread committer([&] {
    while (adders_left.load() > 0) {
      std::vector<int> before(kThreads);
      for (int t = 0; t < kThreads; ++t) before[t] = returned[t].load();
      if (!writer->Commit().ok()) ++failures;
      ++commits;
      check_commit(before);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  RunThreads(kThreads, [&](int t) {
    for (int k = 0; k < kDocs; ++k) {
      if (!writer->Add(ThreadDoc(t, k)).ok()) ++failures;
      returned[t].store(k + 1);
    }
    --adders_left;
  });
  committer.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(writer->Commit().ok());
  check_commit(std::vector<int>(kThreads, kDocs));
  EXPECT_EQ(writer->committed_documents(), uint64_t{kThreads * kDocs});
  EXPECT_GT(commits, 1);
}

// Replaces and deletes of ids shared between threads, with commits in between: the ops on one
// id are ordered by the test (a lock per id), ops on different ids are not. Each surviving id
// must hold exactly its last version.
TEST_P(WriterThreads, SharedIdsEndAtTheirLastOperation) {
  constexpr int kThreads = 4, kOps = 400, kIds = 40;
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir_, SmallBudget(GetParam()), &writer).ok());
  std::mutex id_mu[kIds];
  std::string last[kIds];  // "" when deleted or never added
  std::atomic<bool> adding{true};
  std::atomic<int> failures{0};
  std::thread committer([&] {
    while (adding.load()) {
      if (!writer->Commit().ok()) ++failures;
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });
  RunThreads(kThreads, [&](int t) {
    std::mt19937 rng(t);
    for (int op = 0; op < kOps; ++op) {
      const int i = static_cast<int>(rng() % kIds);
      const std::string id = "shared" + std::to_string(i);
      std::lock_guard<std::mutex> lock(id_mu[i]);
      if (rng() % 4 == 0) {
        bool found = false;
        if (!writer->Delete(id, &found).ok()) ++failures;
        if (found != !last[i].empty()) ++failures;
        last[i].clear();
      } else {
        const std::string version = "v" + std::to_string(t) + "x" + std::to_string(op);
        if (!writer->Add({id, {{"version", version, ValueKind::kKeyword}, {"body", "shared"}}})
                 .ok())
          ++failures;
        last[i] = version;
      }
    }
  });
  adding = false;
  committer.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(writer->Commit().ok());

  auto s = OpenSearcher();
  ASSERT_NE(s, nullptr);
  uint64_t live = 0;
  for (int i = 0; i < kIds; ++i) {
    const std::string id = "shared" + std::to_string(i);
    Document doc;
    Status st = s->Get(id, &doc);
    if (last[i].empty()) {
      EXPECT_TRUE(st.IsNotFound()) << id << " was deleted last";
      EXPECT_EQ(CountOf(*s, "id:" + id), 0u);
      continue;
    }
    ++live;
    ASSERT_TRUE(st.ok()) << id << ": " << st.ToString();
    EXPECT_EQ(CountOf(*s, "id:" + id), 1u) << id;
    EXPECT_EQ(CountOf(*s, "version:" + last[i]), 1u) << id << " should be " << last[i];
  }
  EXPECT_EQ(s->num_docs(), live);
  EXPECT_EQ(CountOf(*s, "shared"), live);
  EXPECT_EQ(writer->committed_documents(), live);
}

// The same without the test's ordering: ops on an id truly race. Whatever order they took
// effect in, each id holds at most one version, and it is a version some Add wrote.
TEST_P(WriterThreads, RacingReplacesLeaveOneVersionPerId) {
  constexpr int kThreads = 4, kOps = 500, kIds = 10;
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir_, SmallBudget(GetParam()), &writer).ok());
  std::atomic<int> failures{0};
  RunThreads(kThreads, [&](int t) {
    std::mt19937 rng(100 + t);
    for (int op = 0; op < kOps; ++op) {
      const std::string id = "race" + std::to_string(rng() % kIds);
      Status st = rng() % 5 == 0 ? writer->Delete(id)
                                 : writer->Add({id, {{"body", "race"},
                                                     {"writer", std::to_string(t),
                                                      ValueKind::kKeyword}}});
      if (!st.ok()) ++failures;
      if (op % 100 == 99 && t == 0 && !writer->Commit().ok()) ++failures;
    }
  });
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(writer->Commit().ok());
  auto s = OpenSearcher();
  ASSERT_NE(s, nullptr);
  uint64_t live = 0;
  for (int i = 0; i < kIds; ++i) {
    const uint64_t n = CountOf(*s, "id:race" + std::to_string(i));
    EXPECT_LE(n, 1u) << "race" << i;
    live += n;
  }
  EXPECT_EQ(s->num_docs(), live);
  EXPECT_EQ(CountOf(*s, "race"), live);
  EXPECT_EQ(writer->committed_documents(), live);
}

// Threads that see new fields at once: each field gets one type (the first mapping's), and a
// document is either refused for a clash with it or indexed with it.
TEST_P(WriterThreads, NewFieldsFromSeveralThreadsGetOneType) {
  constexpr int kThreads = 4, kDocs = 150, kFields = 12;
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir_, SmallBudget(GetParam()), &writer).ok());
  std::mutex mu;
  std::set<std::string> accepted;
  std::atomic<int> failures{0};
  RunThreads(kThreads, [&](int t) {
    for (int k = 0; k < kDocs; ++k) {
      Document doc;
      doc.id = "f" + std::to_string(t) + "d" + std::to_string(k);
      const std::string field = "f" + std::to_string((k + t) % kFields);
      // Even threads give the field numbers, odd ones words that are no number.
      if (t % 2 == 0) {
        doc.AddInt(field, k);
      } else {
        doc.Add(field, "word" + std::to_string(k));
      }
      doc.Add("shared_" + std::to_string(k % kFields), "common", ValueKind::kKeyword);
      Status st = writer->Add(doc);
      if (st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        accepted.insert(doc.id);
      } else if (!st.IsInvalidArgument()) {
        ++failures;
      }
    }
  });
  ASSERT_EQ(failures.load(), 0);
  EXPECT_EQ(writer->buffered_documents(), accepted.size());
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(writer->committed_documents(), accepted.size());

  auto s = OpenSearcher();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->num_docs(), accepted.size());
  std::map<std::string, FieldType> types;
  for (const Schema::Field& f : s->schema().fields())
    EXPECT_TRUE(types.emplace(f.name, f.spec.type).second) << f.name << " twice";
  for (int j = 0; j < kFields; ++j) {
    const std::string field = "f" + std::to_string(j);
    ASSERT_TRUE(types.count(field)) << field;
    EXPECT_TRUE(types[field] == FieldType::kInt || types[field] == FieldType::kText) << field;
    EXPECT_EQ(types["shared_" + std::to_string(j)], FieldType::kKeyword);
  }
  // Every accepted document has its field with the field's type: counted by "field:*".
  uint64_t with_field = 0;
  for (int j = 0; j < kFields; ++j) with_field += CountOf(*s, "f" + std::to_string(j) + ":*");
  EXPECT_EQ(with_field, accepted.size());
  for (const std::string& id : accepted) ASSERT_EQ(CountOf(*s, "id:" + id), 1u) << id;
}

// Commit and Optimize from several threads at once, while others add: they follow one
// another, and everything is there at the end.
TEST_P(WriterThreads, CommitAndOptimizeFromSeveralThreads) {
  constexpr int kAdders = 2, kDocs = 300;
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir_, SmallBudget(GetParam()), &writer).ok());
  std::atomic<int> adders_left{kAdders};
  std::atomic<int> failures{0};
  std::thread committers[2];
  for (int c = 0; c < 2; ++c) {
    committers[c] = std::thread([&, c] {
      while (adders_left.load() > 0) {
        Status st = c == 0 ? writer->Commit() : writer->Optimize();
        if (!st.ok()) ++failures;
        (void)writer->committed_documents();
        (void)writer->buffered_documents();
        std::this_thread::sleep_for(std::chrono::milliseconds(c == 0 ? 2 : 15));
      }
    });
  }
  RunThreads(kAdders, [&](int t) {
    for (int k = 0; k < kDocs; ++k)
      if (!writer->Add(ThreadDoc(t, k)).ok()) ++failures;
    --adders_left;
  });
  for (auto& c : committers) c.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(writer->committed_documents(), uint64_t{kAdders * kDocs});
  auto s = OpenSearcher();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->num_docs(), uint64_t{kAdders * kDocs});
  EXPECT_EQ(CountOf(*s, "common"), uint64_t{kAdders * kDocs});
}

// One worker thread and two: the callers' threads are the same either way, but with one worker
// every document goes through one builder.
INSTANTIATE_TEST_SUITE_P(Workers, WriterThreads, ::testing::Values(1u, 2u),
                         [](const auto& info) { return std::to_string(info.param); });

}  // namespace
}  // namespace writer_threads_test
}  // namespace trawl
