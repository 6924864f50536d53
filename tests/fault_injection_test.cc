// Fault injection through the FileSystem (in the manner of Lucene's MockDirectoryWrapper and
// LevelDB's fault-injection Env): every kind of call the library makes on files and directories
// — create, write, fsync, close, open for reading, stat, read, mmap, rename, remove, mkdir,
// list, directory fsync, lock — fails in turn, during a writer's open, adds, commit and merge,
// and during a searcher's open. Whatever fails, the error says what failed, no commit is lost,
// the index verifies clean, no stray file is left in the way, and a writer can commit afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "format/file_names.h"
#include "format/manifest.h"
#include "format/segment_format.h"
#include "trawl/file_system.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"
#include "tests/sanitizer.h"
#include "tests/stray_files.h"
#include "tests/test_util.h"

namespace trawl {
namespace fault_injection_test {
namespace {

namespace fs = std::filesystem;

enum class Op {
  kCreate, kWrite, kSync, kClose, kOpenRead, kStat, kRead, kMap,
  kRename, kRemove, kMkdir, kList, kSyncDir, kLock,
};
constexpr Op kAllOps[] = {Op::kCreate,   Op::kWrite, Op::kSync,   Op::kClose, Op::kOpenRead,
                          Op::kStat,     Op::kRead,  Op::kMap,    Op::kRename, Op::kRemove,
                          Op::kMkdir,    Op::kList,  Op::kSyncDir, Op::kLock};

const char* OpName(Op op) {
  switch (op) {
    case Op::kCreate: return "create";
    case Op::kWrite: return "write";
    case Op::kSync: return "fsync";
    case Op::kClose: return "close";
    case Op::kOpenRead: return "open";
    case Op::kStat: return "stat";
    case Op::kRead: return "read";
    case Op::kMap: return "mmap";
    case Op::kRename: return "rename";
    case Op::kRemove: return "remove";
    case Op::kMkdir: return "mkdir";
    case Op::kList: return "list directory";
    case Op::kSyncDir: return "fsync directory";
    case Op::kLock: return "lock";
  }
  return "?";
}

// Which calls fail (fsyncs never reach the disk: durability across crashes is crash_test's
// subject, and hundreds of writer sessions here would otherwise wait on the disk). Calls that
// match `only` and `path_part` are counted from 1; the
// `fail_at`-th fails (and every later one if `persistent`) with `error`. fail_at 0 only counts.
struct FaultPlan {
  int fail_at = 0;
  bool persistent = false;
  std::optional<Op> only;
  std::string path_part;
  int error = EIO;
};

// The `n`-th call of any kind fails.
FaultPlan FailNth(int n, int error = EIO) {
  FaultPlan plan;
  plan.fail_at = n;
  plan.error = error;
  return plan;
}

// Every call of kind `op` fails.
FaultPlan FailEvery(Op op, int error = EIO) {
  FaultPlan plan;
  plan.fail_at = 1;
  plan.persistent = true;
  plan.only = op;
  plan.error = error;
  return plan;
}

class FaultyFileSystem : public FileSystemWrapper {
 public:
  explicit FaultyFileSystem(FaultPlan plan = {}) : plan_(std::move(plan)) {}

  // Replaces the plan and restarts the count.
  void set_plan(FaultPlan plan) {
    std::lock_guard<std::mutex> lock(mu_);
    plan_ = std::move(plan);
    calls_ = 0;
    ops_.clear();
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  // The kind of each counted call, in order.
  std::vector<Op> ops() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ops_;
  }

  // The injected failure of this call, or OK.
  Status Check(Op op, const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    if (plan_.only && *plan_.only != op) return Status::OK();
    if (!plan_.path_part.empty() && path.find(plan_.path_part) == std::string::npos)
      return Status::OK();
    ++calls_;
    ops_.push_back(op);
    if (plan_.fail_at == 0 || calls_ < plan_.fail_at) return Status::OK();
    if (!plan_.persistent && calls_ != plan_.fail_at) return Status::OK();
    ++failures_;
    return Status::IOError(path + ": " + OpName(op) + ": " + std::strerror(plan_.error));
  }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) override;
  Status RenameFile(const std::string& from, const std::string& to) override {
    TRAWL_RETURN_IF_ERROR(Check(Op::kRename, from));
    return FileSystemWrapper::RenameFile(from, to);
  }
  Status RemoveFile(const std::string& path) override {
    TRAWL_RETURN_IF_ERROR(Check(Op::kRemove, path));
    return FileSystemWrapper::RemoveFile(path);
  }
  Status CreateDir(const std::string& path) override {
    TRAWL_RETURN_IF_ERROR(Check(Op::kMkdir, path));
    return FileSystemWrapper::CreateDir(path);
  }
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    TRAWL_RETURN_IF_ERROR(Check(Op::kList, dir));
    return FileSystemWrapper::GetChildren(dir, names);
  }
  Status SyncDirectory(const std::string& dir) override { return Check(Op::kSyncDir, dir); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    TRAWL_RETURN_IF_ERROR(Check(Op::kLock, path));
    return FileSystemWrapper::LockFile(path, lock);
  }

 private:
  mutable std::mutex mu_;
  FaultPlan plan_;
  int calls_ = 0;
  int failures_ = 0;
  std::vector<Op> ops_;
};

class FaultyWritableFile : public WritableFile {
 public:
  FaultyWritableFile(FaultyFileSystem* fs, std::string path, std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
  Status Append(std::string_view data) override {
    TRAWL_RETURN_IF_ERROR(fs_->Check(Op::kWrite, path_));
    return base_->Append(data);
  }
  Status Sync() override { return fs_->Check(Op::kSync, path_); }
  Status Close() override {
    // As close(2): the descriptor is gone even when the call reports an error.
    Status injected = fs_->Check(Op::kClose, path_);
    Status s = base_->Close();
    return injected.ok() ? s : injected;
  }

 private:
  FaultyFileSystem* fs_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

class FaultyReadableFile : public ReadableFile {
 public:
  FaultyReadableFile(FaultyFileSystem* fs, std::string path, std::unique_ptr<ReadableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
  Status Size(uint64_t* size) override {
    TRAWL_RETURN_IF_ERROR(fs_->Check(Op::kStat, path_));
    return base_->Size(size);
  }
  Status Read(uint64_t offset, size_t n, char* dst, size_t* got) override {
    TRAWL_RETURN_IF_ERROR(fs_->Check(Op::kRead, path_));
    return base_->Read(offset, n, dst, got);
  }
  Status Map(uint64_t size, std::unique_ptr<MappedRegion>* out) override {
    TRAWL_RETURN_IF_ERROR(fs_->Check(Op::kMap, path_));
    return base_->Map(size, out);
  }

 private:
  FaultyFileSystem* fs_;
  std::string path_;
  std::unique_ptr<ReadableFile> base_;
};

Status FaultyFileSystem::NewWritableFile(const std::string& path,
                                         std::unique_ptr<WritableFile>* out) {
  TRAWL_RETURN_IF_ERROR(Check(Op::kCreate, path));
  std::unique_ptr<WritableFile> base;
  TRAWL_RETURN_IF_ERROR(FileSystemWrapper::NewWritableFile(path, &base));
  *out = std::make_unique<FaultyWritableFile>(this, path, std::move(base));
  return Status::OK();
}

Status FaultyFileSystem::NewReadableFile(const std::string& path,
                                         std::unique_ptr<ReadableFile>* out) {
  TRAWL_RETURN_IF_ERROR(Check(Op::kOpenRead, path));
  std::unique_ptr<ReadableFile> base;
  TRAWL_RETURN_IF_ERROR(FileSystemWrapper::NewReadableFile(path, &base));
  *out = std::make_unique<FaultyReadableFile>(this, path, std::move(base));
  return Status::OK();
}

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

void CreateIndexWith50(const std::string& dir) {
  FaultyFileSystem healthy;
  IndexWriterOptions opts;
  opts.file_system = &healthy;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
  ASSERT_TRUE(w->Commit().ok());
}

// The index verifies clean, and a new writer with a healthy file system commits the batch
// again and leaves no stray file.
void ExpectRecoverable(const std::string& dir) {
  VerifyReport report;
  ASSERT_TRUE(VerifyIndex(dir, true, &report).ok());
  ASSERT_TRUE(report.ok()) << report.problems.front();
  FaultyFileSystem healthy;
  IndexWriterOptions opts;
  opts.file_system = &healthy;
  std::unique_ptr<IndexWriter> w;
  Status s = IndexWriter::Open(dir, opts, &w);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (int i = 50; i < 150; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
  s = w->Commit();
  ASSERT_TRUE(s.ok()) << s.ToString();
  w.reset();
  EXPECT_EQ(CountAll(dir), 70u);
  const std::vector<std::string> strays = StrayFiles(dir);
  EXPECT_TRUE(strays.empty()) << "left behind: " << strays.front();
}

// One writer session through `faulty`: open, add 100 documents (with flushes every few), commit,
// optimize. Returns the first failure (OK if none); *committed says whether the commit
// succeeded. `arm` is called before each phase with its number (0 open, 1 add, 2 commit,
// 3 optimize).
template <typename Arm>
Status RunBatch(const std::string& dir, FaultyFileSystem* faulty, Arm arm, bool* committed) {
  *committed = false;
  IndexWriterOptions opts;
  opts.file_system = faulty;
  opts.memory_budget_bytes = 8 << 10;
  // Merges inside Commit, so that every session makes the same calls in the same order (the
  // background merge has its own test below).
  opts.merge_in_background = false;
  std::unique_ptr<IndexWriter> w;
  arm(0);
  Status s = IndexWriter::Open(dir, opts, &w);
  if (!s.ok()) return s;
  arm(1);
  for (int i = 50; i < 150 && s.ok(); ++i) s = w->Add(Doc(i));
  if (!s.ok()) return s;
  arm(2);
  s = w->Commit();
  if (!s.ok()) return s;
  *committed = true;
  arm(3);
  return w->Optimize();
}

TEST(FaultInjection, EveryFailingFileSystemCallLeavesThePreviousCommit) {
  std::string tmpl = ScratchTemplate("trawl_fault");
  const std::string root = mkdtemp(tmpl.data());
  // Every session starts from a copy of this index.
  const std::string base = root + "/base";
  CreateIndexWith50(base);
  const uint64_t before = CountAll(base);
  // How many file-system calls a writer session (open, flushes, deletions, commit, merge) makes.
  int total_calls = 0;
  std::vector<Op> calls_of_probe;
  {
    const std::string probe = root + "/probe";
    fs::copy(base, probe);
    FaultyFileSystem counter;
    bool committed;
    ASSERT_TRUE(RunBatch(probe, &counter, [](int) {}, &committed).ok());
    total_calls = counter.calls();
    calls_of_probe = counter.ops();
  }
  ASSERT_GT(total_calls, 100);
  RecordProperty("calls", total_calls);
  // Under ASan, the first call of each kind and every 10th call fail: the error paths of each
  // kind run sanitized, and the Release build fails every call for the answers.
  std::vector<bool> tried(total_calls + 1, !kUnderAsan);
  if (kUnderAsan) {
    std::set<Op> seen;
    for (int n = 1; n <= total_calls; ++n)
      tried[n] = seen.insert(calls_of_probe[n - 1]).second || n % 10 == 0;
  }
  const int tries = static_cast<int>(std::count(tried.begin() + 1, tried.end(), true));
  int failures_seen = 0;
  for (int fail_at = 1; fail_at <= total_calls; ++fail_at) {
    if (!tried[fail_at]) continue;
    SCOPED_TRACE("failing call " + std::to_string(fail_at));
    const std::string dir = root + "/idx" + std::to_string(fail_at);
    fs::copy(base, dir);
    const int error = fail_at % 2 ? ENOSPC : EIO;
    FaultyFileSystem faulty(FailNth(fail_at, error));
    bool committed;
    Status s = RunBatch(dir, &faulty, [](int) {}, &committed);
    EXPECT_EQ(faulty.failures(), 1);
    if (!s.ok()) {
      ++failures_seen;
      EXPECT_NE(s.message().find(std::strerror(error)), std::string::npos) << s.ToString();
      if (!committed) {
        EXPECT_EQ(CountAll(dir), before) << "a failed commit changed the index";
      }
    }
    if (committed) {
      EXPECT_EQ(CountAll(dir), 70u) << "a failed merge lost a commit";
    }
    ExpectRecoverable(dir);
    fs::remove_all(dir);
  }
  // Failures after a commit is durable (removing what it no longer needs) fail nothing.
  EXPECT_GT(failures_seen, tries / 2);
  fs::remove_all(root);
}

// Each kind of call fails every time from one phase of a writer session on (as a disk that
// fills up or goes read-only would), and each kind is reached.
TEST(FaultInjection, EachKindOfCallFailingFromEachPhaseOn) {
  std::string tmpl = ScratchTemplate("trawl_fault");
  const std::string root = mkdtemp(tmpl.data());
  for (Op op : kAllOps) {
    int reached = 0;
    for (int phase = 0; phase < 4; ++phase) {
      SCOPED_TRACE(std::string("failing every ") + OpName(op) + " from phase " +
                   std::to_string(phase));
      const std::string dir = root + "/idx_" + std::to_string(static_cast<int>(op)) + "_" +
                              std::to_string(phase);
      CreateIndexWith50(dir);
      const uint64_t before = CountAll(dir);
      FaultyFileSystem faulty;
      auto arm = [&](int p) {
        if (p == phase) faulty.set_plan(FailEvery(op));
      };
      bool committed;
      Status s = RunBatch(dir, &faulty, arm, &committed);
      reached += faulty.failures();
      if (!s.ok()) {
        EXPECT_GT(faulty.failures(), 0) << s.ToString();
        EXPECT_NE(s.message().find(std::strerror(EIO)), std::string::npos) << s.ToString();
        if (!committed) {
        EXPECT_EQ(CountAll(dir), before) << "a failed commit changed the index";
      }
      }
      if (committed) {
        EXPECT_EQ(CountAll(dir), 70u);
      }
      ExpectRecoverable(dir);
    }
    EXPECT_GT(reached, 0) << OpName(op) << " is never called through the FileSystem";
  }
  fs::remove_all(root);
}

// A searcher reads through SearcherOptions::file_system: every failing call makes Open (or
// OpenIfChanged) fail with the reason, and a healthy open afterwards sees the index.
TEST(FaultInjection, EveryFailingCallOfASearcherOpenIsReported) {
  std::string tmpl = ScratchTemplate("trawl_fault");
  const std::string dir = std::string(mkdtemp(tmpl.data())) + "/idx";
  CreateIndexWith50(dir);
  {
    // A second segment that replaces documents of the first, so that a deletion file is read too.
    std::unique_ptr<IndexWriter> w;
    IndexWriterOptions opts;
    opts.merge_factor = 0;
    ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
    for (int i = 70; i < 80; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  const uint64_t expected = CountAll(dir);
  FaultyFileSystem faulty;
  SearcherOptions options;
  options.file_system = &faulty;
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir, options, &searcher).ok());
  const int open_calls = faulty.calls();
  ASSERT_GT(open_calls, 10);
  for (int fail_at = 1; fail_at <= open_calls; ++fail_at) {
    SCOPED_TRACE("failing call " + std::to_string(fail_at));
    faulty.set_plan(FailNth(fail_at));
    Status s = Searcher::Open(dir, options, &searcher);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(std::strerror(EIO)), std::string::npos) << s.ToString();
  }
  faulty.set_plan({});
  ASSERT_TRUE(Searcher::Open(dir, options, &searcher).ok());
  uint64_t n = 0;
  ASSERT_TRUE(searcher->Count("*", &n).ok());
  EXPECT_EQ(n, expected);

  // A new commit, which OpenIfChanged reads through the same file system.
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
    for (int i = 60; i < 80; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  for (Op op : {Op::kList, Op::kOpenRead, Op::kStat, Op::kRead, Op::kMap}) {
    SCOPED_TRACE(OpName(op));
    faulty.set_plan(FailEvery(op));
    std::unique_ptr<Searcher> changed;
    Status s = Searcher::OpenIfChanged(*searcher, &changed);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(std::strerror(EIO)), std::string::npos) << s.ToString();
  }
  faulty.set_plan({});
  std::unique_ptr<Searcher> changed;
  ASSERT_TRUE(Searcher::OpenIfChanged(*searcher, &changed).ok());
  ASSERT_NE(changed, nullptr);
  ASSERT_TRUE(changed->Count("*", &n).ok());
  EXPECT_EQ(n, CountAll(dir));
  fs::remove_all(fs::path(dir).parent_path());
}

// Fails one kind of call on a builder's pending store file (the stored documents that stream to
// disk before their segment is named) and leaves every other call alone.
TEST(FaultInjection, FailuresOfThePendingStoreLeaveThePreviousCommitAndNoFiles) {
  std::string tmpl = ScratchTemplate("trawl_fault");
  const std::string root = mkdtemp(tmpl.data());
  for (Op op : {Op::kCreate, Op::kWrite, Op::kSync, Op::kClose, Op::kRename}) {
    SCOPED_TRACE(std::string("operation ") + OpName(op));
    const std::string dir = root + "/idx" + std::to_string(static_cast<int>(op));
    CreateIndexWith50(dir);
    const uint64_t before = CountAll(dir);
    FaultPlan plan = FailEvery(op, ENOSPC);
    plan.path_part = "/" + std::string(kPendingStorePrefix);
    FaultyFileSystem faulty(plan);
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
      EXPECT_FALSE(e.path().filename().string().starts_with(kPendingStorePrefix))
          << "left behind: " << e.path().filename();
    ExpectRecoverable(dir);
  }
  fs::remove_all(root);
}

// A background merge whose every call of one kind fails (on the merged segment's files, so that
// the commits before it succeed): WaitForMerges reports the failure, the commits are intact, no
// file of the merge is left in the way, and the next writer merges.
TEST(FaultInjection, AFailingBackgroundMergeLeavesTheCommits) {
  std::string tmpl = ScratchTemplate("trawl_fault");
  const std::string root = mkdtemp(tmpl.data());
  int reached = 0;
  for (Op op : kAllOps) {
    SCOPED_TRACE(std::string("failing every ") + OpName(op));
    const std::string dir = root + "/idx" + std::to_string(static_cast<int>(op));
    CreateIndexWith50(dir);  // one segment
    FaultyFileSystem faulty;
    IndexWriterOptions opts;
    opts.file_system = &faulty;
    opts.merge_factor = 3;
    opts.merge_in_background = true;
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
    for (int i = 50; i < 70; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
    ASSERT_TRUE(w->Commit().ok());
    // The next commit writes segment N, the third; their merge then writes N + 1.
    Manifest m;
    ASSERT_TRUE(ReadLatestManifest(dir, &m).ok());
    const std::string merged = SegmentName(m.next_segment_number + 1);
    FaultPlan plan = FailEvery(op);
    plan.path_part = "/" + merged + ".";
    faulty.set_plan(plan);
    for (int i = 70; i < 90; ++i) ASSERT_TRUE(w->Add(Doc(i)).ok());
    ASSERT_TRUE(w->Commit().ok());
    Status s = w->WaitForMerges();
    if (faulty.failures() > 0) {
      ++reached;
      EXPECT_FALSE(s.ok());
      EXPECT_NE(s.message().find(std::strerror(EIO)), std::string::npos) << s.ToString();
    } else {
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    EXPECT_EQ(CountAll(dir), 70u);
    w.reset();
    if (op != Op::kRemove) {
      // Only a failing removal may leave a file of the merge (for the next writer to remove).
      for (const std::string& stray : StrayFiles(dir))
        EXPECT_FALSE(stray.starts_with(merged + ".")) << "left behind: " << stray;
    }
    ExpectRecoverable(dir);
  }
  // Creating, writing, closing, reading and mapping the merged segment, at least.
  EXPECT_GE(reached, 5);
  fs::remove_all(root);
}

}  // namespace
}  // namespace fault_injection_test
}  // namespace trawl
