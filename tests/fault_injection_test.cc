// Fault injection through the writer's FileSystem (in the manner of Lucene's
// MockDirectoryWrapper): the Nth write, fsync, rename or directory sync fails with ENOSPC or EIO.
// Whatever fails, the index stays at its previous commit, verifies clean, and a writer can
// commit afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "trawl/file_system.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;

// Fails the `fail_at`-th mutating call (1-based) with `error`; counts them all.
class FaultyFileSystem : public FileSystem {
 public:
  FaultyFileSystem(int fail_at, int error) : fail_at_(fail_at), error_(error) {}
  int CreateExclusive(const std::string& path) override {
    return Fail() ? -1 : FileSystem::CreateExclusive(path);
  }
  ssize_t Write(int fd, const void* data, size_t size) override {
    return Fail() ? -1 : FileSystem::Write(fd, data, size);
  }
  int Sync(int fd) override { return Fail() ? -1 : FileSystem::Sync(fd); }
  int Rename(const std::string& from, const std::string& to) override {
    return Fail() ? -1 : FileSystem::Rename(from, to);
  }
  int SyncDirectory(const std::string& dir) override {
    return Fail() ? -1 : FileSystem::SyncDirectory(dir);
  }
  int calls() const { return calls_; }

 private:
  bool Fail() {
    if (++calls_ != fail_at_) return false;
    errno = error_;
    return true;
  }
  int fail_at_, error_;
  int calls_ = 0;
};

Document Doc(int i) {
  return {"f" + std::to_string(i % 70),
          {{"title", "fault " + std::to_string(i)}, {"body", "injected failure number " + std::to_string(i)}}};
}

uint64_t CountAll(const std::string& dir) {
  std::unique_ptr<Searcher> s;
  Status st = Searcher::Open(dir, {}, &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (!st.ok()) return UINT64_MAX;
  uint64_t n = 0;
  EXPECT_TRUE(s->Count("*", &n).ok());
  return n;
}

TEST(FaultInjection, EveryFailingWriteFsyncOrRenameLeavesThePreviousCommit) {
  char tmpl[] = "/tmp/trawl_fault_XXXXXX";
  const std::string root = mkdtemp(tmpl);
  // How many file-system calls one batch (flushes, deletions, optimize, commit) makes.
  int total_calls = 0;
  {
    const std::string probe = root + "/probe";
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(probe, {}, &w).ok());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
    ASSERT_TRUE(w->Commit().ok());
    w.reset();
    FaultyFileSystem counter(-1, 0);
    IndexWriterOptions opts;
    opts.file_system = &counter;
    opts.memory_budget_bytes = 8 << 10;
    ASSERT_TRUE(IndexWriter::Open(probe, opts, &w).ok());
    for (int i = 50; i < 150; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
    ASSERT_TRUE(w->Commit().ok());
    ASSERT_TRUE(w->Optimize().ok());
    total_calls = counter.calls();
  }
  ASSERT_GT(total_calls, 20);
  int failures_seen = 0;
  for (int fail_at = 1; fail_at <= total_calls; ++fail_at) {
    SCOPED_TRACE("failing call " + std::to_string(fail_at));
    const std::string dir = root + "/idx" + std::to_string(fail_at);
    {
      std::unique_ptr<IndexWriter> w;
      ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
      ASSERT_TRUE(w->Commit().ok());
    }
    const uint64_t before = CountAll(dir);
    FaultyFileSystem faulty(fail_at, fail_at % 2 ? ENOSPC : EIO);
    IndexWriterOptions opts;
    opts.file_system = &faulty;
    opts.memory_budget_bytes = 8 << 10;
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
    Status s;
    for (int i = 50; i < 150 && s.ok(); ++i) s = w->Add(Doc(i));
    const bool add_failed = !s.ok();
    if (s.ok()) s = w->Commit();
    const bool commit_failed = !s.ok();
    if (commit_failed) {
      ++failures_seen;
      EXPECT_NE(s.message().find(fail_at % 2 ? "No space" : "Input/output"), std::string::npos)
          << s.ToString();
      EXPECT_EQ(CountAll(dir), before) << "a failed commit changed the index";
    }
    if (s.ok()) s = w->Optimize();
    w.reset();
    VerifyReport report;
    ASSERT_TRUE(VerifyIndex(dir, true, &report).ok());
    ASSERT_TRUE(report.ok()) << report.problems.front();
    // A new writer (with a healthy file system) commits the batch again.
    ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
    for (int i = 50; i < 150; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
    ASSERT_TRUE(w->Commit().ok());
    w.reset();
    EXPECT_EQ(CountAll(dir), 70u);
    (void)add_failed;
    fs::remove_all(dir);
  }
  EXPECT_GT(failures_seen, total_calls / 3);
  fs::remove_all(root);
}

}  // namespace
}  // namespace trawl
