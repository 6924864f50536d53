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

// Fails one kind of operation on a builder's pending store file (the stored documents that
// stream to disk before their segment is named) and leaves every other call alone.
class PendingStoreFaults : public FileSystem {
 public:
  enum Op { kCreate, kWrite, kSync, kRename };
  explicit PendingStoreFaults(Op op) : op_(op) {}
  int CreateExclusive(const std::string& path) override {
    const bool pending = IsPending(path);
    if (pending && op_ == kCreate) return Fail();
    const int fd = FileSystem::CreateExclusive(path);
    if (pending) pending_fd_ = fd;
    return fd;
  }
  ssize_t Write(int fd, const void* data, size_t size) override {
    if (fd == pending_fd_ && op_ == kWrite) return Fail();
    return FileSystem::Write(fd, data, size);
  }
  int Sync(int fd) override {
    if (fd == pending_fd_ && op_ == kSync) return Fail();
    return FileSystem::Sync(fd);
  }
  int Close(int fd) override {
    if (fd == pending_fd_) pending_fd_ = -2;
    return FileSystem::Close(fd);
  }
  int Rename(const std::string& from, const std::string& to) override {
    if (IsPending(from) && op_ == kRename) return Fail();
    return FileSystem::Rename(from, to);
  }
  int failures() const { return failures_; }

 private:
  static bool IsPending(const std::string& path) {
    return path.find("/seg_pending-") != std::string::npos;
  }
  int Fail() {
    ++failures_;
    errno = ENOSPC;
    return -1;
  }
  Op op_;
  int pending_fd_ = -2;
  int failures_ = 0;
};

TEST(FaultInjection, FailuresOfThePendingStoreLeaveThePreviousCommitAndNoFiles) {
  char tmpl[] = "/tmp/trawl_fault_XXXXXX";
  const std::string root = mkdtemp(tmpl);
  for (auto op : {PendingStoreFaults::kCreate, PendingStoreFaults::kWrite,
                  PendingStoreFaults::kSync, PendingStoreFaults::kRename}) {
    SCOPED_TRACE("operation " + std::to_string(op));
    const std::string dir = root + "/idx" + std::to_string(op);
    {
      std::unique_ptr<IndexWriter> w;
      ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
      ASSERT_TRUE(w->Commit().ok());
    }
    const uint64_t before = CountAll(dir);
    PendingStoreFaults faulty(op);
    IndexWriterOptions opts;
    opts.file_system = &faulty;
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
    Status s;
    // Enough stored text that the store writes before Write() finishes it.
    for (int i = 50; i < 150 && s.ok(); ++i) {
      Document d = Doc(i);
      d.fields.push_back({"filler", std::string(40000, 'a' + i % 26)});
      s = w->Add(d);
    }
    if (s.ok()) s = w->Commit();
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("No space"), std::string::npos) << s.ToString();
    EXPECT_GT(faulty.failures(), 0);
    EXPECT_EQ(CountAll(dir), before);
    w.reset();
    for (const auto& e : fs::directory_iterator(dir))
      EXPECT_FALSE(e.path().filename().string().starts_with("seg_pending-"))
          << "left behind: " << e.path().filename();
    VerifyReport report;
    ASSERT_TRUE(VerifyIndex(dir, true, &report).ok());
    ASSERT_TRUE(report.ok()) << report.problems.front();
    ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
    for (int i = 50; i < 150; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
    ASSERT_TRUE(w->Commit().ok());
    w.reset();
    EXPECT_EQ(CountAll(dir), 70u);
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace trawl
