// One writer, many readers: readers query in a loop while the writer adds, deletes, merges and
// commits; every reader's counts equal those of the commit it has open. And one writer only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace concurrency_test {
namespace {

namespace fs = std::filesystem;

std::string TempDir() {
  char tmpl[] = "/tmp/trawl_conc_XXXXXX";
  return mkdtemp(tmpl);
}

TEST(Concurrency, ReadersSeeExactlyTheCommitTheyOpened) {
  const std::string dir = TempDir();
  std::mutex mu;
  // generation -> (documents, documents containing "odd")
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> expected;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> checks{0};
  std::atomic<int> failures{0};

  std::unique_ptr<IndexWriter> writer;
  IndexWriterOptions opts;
  opts.memory_budget_bytes = 32 << 10;
  opts.threads = 2;
  // One generation per Commit, which `expected` is keyed by (background merges commit too).
  opts.merge_in_background = false;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &writer).ok());
  ASSERT_TRUE(writer->Add({"seed", {{"body", "even"}}}).ok());
  expected[1] = {1, 0};
  ASSERT_TRUE(writer->Commit().ok());

  // The counts of one open searcher must be those of its commit, whatever the writer does.
  auto check = [&](const Searcher& s) {
    std::pair<uint64_t, uint64_t> want;
    {
      std::lock_guard<std::mutex> lock(mu);
      want = expected.at(s.generation());
    }
    for (int i = 0; i < 5; ++i) {
      uint64_t all = 0, odd = 0;
      if (!s.Count("*", &all).ok() || !s.Count("odd", &odd).ok() || all != want.first ||
          odd != want.second || s.num_docs() != want.first) {
        ADD_FAILURE() << "generation " << s.generation() << ": " << all << "/" << odd
                      << " documents, expected " << want.first << "/" << want.second;
        ++failures;
        return false;
      }
      ++checks;
    }
    return true;
  };
  // Readers that open the newest commit each time.
  auto reader = [&] {
    while (!done) {
      std::unique_ptr<Searcher> s;
      Status st = Searcher::Open(dir, {}, &s);
      if (!st.ok()) {
        ADD_FAILURE() << st.ToString();
        ++failures;
        return;
      }
      if (!check(*s)) return;
    }
  };
  // One searcher shared by several query threads, refreshed with OpenIfChanged (as a
  // search server would): reopening shares segments with a searcher still in use.
  std::mutex shared_mu;
  std::shared_ptr<Searcher> shared;
  auto reopener = [&] {
    std::unique_ptr<Searcher> first;
    if (Status st = Searcher::Open(dir, {}, &first); !st.ok()) {
      ADD_FAILURE() << st.ToString();
      ++failures;
      return;
    }
    std::shared_ptr<Searcher> current = std::move(first);
    while (!done) {
      {
        std::lock_guard<std::mutex> lock(shared_mu);
        shared = current;
      }
      std::unique_ptr<Searcher> next;
      if (Status st = Searcher::OpenIfChanged(*current, &next); !st.ok()) {
        ADD_FAILURE() << st.ToString();
        ++failures;
        return;
      }
      if (next != nullptr) current = std::move(next);
      if (!check(*current)) return;
    }
  };
  auto shared_reader = [&] {
    while (!done) {
      std::shared_ptr<Searcher> s;
      {
        std::lock_guard<std::mutex> lock(shared_mu);
        s = shared;
      }
      if (s != nullptr && !check(*s)) return;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) readers.emplace_back(reader);
  readers.emplace_back(reopener);
  for (int i = 0; i < 2; ++i) readers.emplace_back(shared_reader);

  std::map<int, bool> live;  // id -> contains "odd"
  live[-1] = false;          // "seed"
  uint64_t generation = 1;
  for (int round = 0; round < 40 && failures == 0; ++round) {
    for (int i = 0; i < 25; ++i) {
      const int id = (round * 17 + i * 7) % 300;
      const bool odd = (round + i) % 2 == 1;
      ASSERT_TRUE(writer->Add({"d" + std::to_string(id), {{"body", odd ? "odd" : "even"}}}).ok());
      live[id] = odd;
    }
    if (round % 3 == 0) {
      const int id = (round * 13) % 300;
      ASSERT_TRUE(writer->Delete("d" + std::to_string(id)).ok());
      live.erase(id);
    }
    uint64_t odd = 0;
    for (const auto& [id, o] : live) odd += o;
    {
      std::lock_guard<std::mutex> lock(mu);
      expected[++generation] = {live.size(), odd};
    }
    if (round % 10 == 9) {
      ASSERT_TRUE(writer->Optimize().ok());
    } else {
      ASSERT_TRUE(writer->Commit().ok());
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(checks.load(), 0u);
  writer.reset();
  fs::remove_all(dir);
}

TEST(Concurrency, SecondWriterGetsAClearLockError) {
  const std::string dir = TempDir();
  std::unique_ptr<IndexWriter> first, second;
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &first).ok());
  Status s = IndexWriter::Open(dir, {}, &second);
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  EXPECT_NE(s.message().find("another writer"), std::string::npos) << s.message();
  first.reset();
  EXPECT_TRUE(IndexWriter::Open(dir, {}, &second).ok());
  fs::remove_all(dir);
}

TEST(Concurrency, KilledWriterDoesNotBlockTheNext) {
  const std::string dir = TempDir();
  int in[2];
  ASSERT_EQ(pipe(in), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    close(in[1]);
    execl(TRAWL_INDEX_BIN, TRAWL_INDEX_BIN, "--index", dir.c_str(), "--quiet", "-",
          (char*)nullptr);
    _exit(127);
  }
  close(in[0]);
  // Wait (without taking the lock ourselves) until the child holds it, as /proc/locks shows.
  auto child_holds_lock = [&] {
    std::ifstream locks("/proc/locks");
    for (std::string line; std::getline(locks, line);)
      if (line.find("FLOCK") != std::string::npos &&
          line.find(" " + std::to_string(pid) + " ") != std::string::npos)
        return true;
    return false;
  };
  for (int i = 0; i < 1000 && !child_holds_lock(); ++i) usleep(10000);
  ASSERT_TRUE(child_holds_lock());
  std::unique_ptr<IndexWriter> w;
  Status s = IndexWriter::Open(dir, {}, &w);
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  close(in[1]);
  ASSERT_TRUE(fs::exists(dir + "/LOCK"));  // the stale lock file is still there...
  s = IndexWriter::Open(dir, {}, &w);      // ...and does not block
  EXPECT_TRUE(s.ok()) << s.ToString();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace concurrency_test
}  // namespace trawl
