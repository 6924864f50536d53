// Merges on the writer's background thread (IndexWriterOptions::merge_in_background): adds,
// deletes, updates and commits while merges run give what a brute-force reference says;
// deletions made during a merge stay deleted in its result, and uncommitted ones stay
// uncommitted; a crash at any point of a merge loses nothing and leaves nothing in the way;
// closing cancels a merge; Optimize waits for one; the merge policy is replaceable.
//
// A merge is held at a known point by a file system that blocks the creation of a merged
// segment's store (flushes rename their store into place; only merges create one by name).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "format/file_names.h"
#include "format/manifest.h"
#include "format/segment_format.h"
#include "trawl/index_writer.h"
#include "trawl/merge_policy.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"
#include "tests/stray_files.h"

namespace trawl {
namespace background_merge_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string TempDir() {
  char tmpl[] = "/tmp/trawl_bg_merge_XXXXXX";
  return mkdtemp(tmpl);
}

// A merged segment's store, created by name: "<dir>/seg_<N>.store".
bool IsMergedStore(const std::string& path) {
  static const std::regex kStore(".*/seg_[0-9]+\\.store");
  return std::regex_match(path, kStore);
}

// A worker's store while its builder fills up: "<dir>/seg_pending-<...>".
bool IsPendingStore(const std::string& path) {
  return fs::path(path).filename().string().starts_with(kPendingStorePrefix);
}

// Blocks the first creation of a file matching `matches` after Arm() until Release(): before
// the file exists, or with `after_creation` once it exists but before its creator hears so.
class GateFileSystem : public FileSystemWrapper {
 public:
  explicit GateFileSystem(bool (*matches)(const std::string&) = IsMergedStore,
                          bool after_creation = false, FileSystem* target = nullptr)
      : FileSystemWrapper(target), matches_(matches), after_creation_(after_creation) {}

  void Arm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
  }
  // Whether a creation reached the gate within a generous bound.
  bool WaitReached() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return reached_; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    if (!after_creation_) Wait(path);
    Status s = FileSystemWrapper::NewWritableFile(path, out);
    if (after_creation_ && s.ok()) Wait(path);
    return s;
  }

 private:
  void Wait(const std::string& path) {
    std::unique_lock<std::mutex> lock(mu_);
    if (armed_ && !reached_ && matches_(path)) {
      reached_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
  }

  bool (*const matches_)(const std::string&);
  const bool after_creation_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false, reached_ = false, released_ = false;
};

// Document `id` at `version`: its version is a keyword, so a query finds which one is live.
Document VersionDoc(const std::string& id, int version) {
  Document doc;
  doc.id = id;
  doc.Add("ver", id + "v" + std::to_string(version), ValueKind::kKeyword);
  doc.Add("body", "common text of " + id + " version " + std::to_string(version));
  return doc;
}

uint64_t CountOf(const Searcher& s, const std::string& query) {
  uint64_t n = 0;
  Status st = s.Count(query, &n);
  EXPECT_TRUE(st.ok()) << query << ": " << st.ToString();
  return n;
}

std::unique_ptr<Searcher> OpenSearcher(const std::string& dir) {
  std::unique_ptr<Searcher> s;
  Status st = Searcher::Open(dir, {}, &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

Manifest Latest(const std::string& dir) {
  Manifest m;
  Status st = ReadLatestManifest(dir, &m);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return m;
}

// The index holds exactly `live` (id -> version): each at that version, nothing else.
void ExpectHolds(const std::string& dir, const std::map<std::string, int>& live) {
  auto s = OpenSearcher(dir);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->num_docs(), live.size());
  EXPECT_EQ(CountOf(*s, "*"), live.size());
  for (const auto& [id, version] : live)
    EXPECT_EQ(CountOf(*s, "ver:" + id + "v" + std::to_string(version)), 1u) << id;
}

// Background merging, merge factor 3, one indexing thread and a budget no test reaches: each
// commit writes one segment, and the third commit of equal small batches starts a merge.
IndexWriterOptions ThreeWay(FileSystem* file_system) {
  IndexWriterOptions opts;
  opts.merge_in_background = true;
  opts.merge_factor = 3;
  opts.file_system = file_system;
  return opts;
}

// Commits batches b0, b1, b2 of 20 documents each (version 0), arming `gate` before the third.
void CommitThreeBatches(IndexWriter* w, GateFileSystem* gate, std::map<std::string, int>* live) {
  for (int b = 0; b < 3; ++b) {
    for (int i = 0; i < 20; ++i) {
      const std::string id = "b" + std::to_string(b) + "d" + std::to_string(i);
      ASSERT_TRUE(w->Add(VersionDoc(id, 0)).ok());
      (*live)[id] = 0;
    }
    if (b == 2 && gate != nullptr) gate->Arm();
    ASSERT_TRUE(w->Commit().ok());
  }
}

class BackgroundMerge : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir(); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

// Threads add, replace and delete their own ids while another commits and another reads, with
// merges running all along; the index ends as the reference of what each thread did.
TEST_F(BackgroundMerge, ConcurrentChangesWhileMergingMatchAReference) {
  constexpr int kThreads = 3, kIds = 60, kOps = 500;
  IndexWriterOptions opts;
  opts.merge_in_background = true;
  opts.merge_factor = 3;
  opts.threads = 2;
  opts.memory_budget_bytes = 24 << 10;  // workers flush often: many small segments to merge
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir_, opts, &w).ok());
  ASSERT_TRUE(w->Commit().ok());  // an (empty) index for the readers
  std::vector<std::map<std::string, int>> reference(kThreads);
  std::atomic<int> adders_left{kThreads}, failures{0}, commits{0}, reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t + 1);
      std::map<int, int> version;
      for (int op = 0; op < kOps; ++op) {
        const int k = static_cast<int>(rng() % kIds);
        const std::string id = "t" + std::to_string(t) + "i" + std::to_string(k);
        if (rng() % 10 < 7) {
          const int v = ++version[k];
          if (!w->Add(VersionDoc(id, v)).ok()) ++failures;
          reference[t][id] = v;
        } else {
          if (!w->Delete(id).ok()) ++failures;
          reference[t].erase(id);
        }
      }
      --adders_left;
    });
  }
  threads.emplace_back([&] {
    while (adders_left.load() > 0) {
      if (!w->Commit().ok()) ++failures;
      ++commits;
      std::this_thread::sleep_for(2ms);
    }
  });
  // Readers open whatever commit is newest (a merge's too) and find it whole.
  threads.emplace_back([&] {
    while (adders_left.load() > 0) {
      std::unique_ptr<Searcher> s;
      Status st = Searcher::Open(dir_, {}, &s);
      uint64_t all = 0;
      if (!st.ok() || !s->Count("*", &all).ok() || all != s->num_docs()) {
        ADD_FAILURE() << st.ToString();
        ++failures;
        return;
      }
      ++reads;
      std::this_thread::sleep_for(1ms);
    }
  });
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  ASSERT_TRUE(w->Commit().ok());
  ASSERT_TRUE(w->WaitForMerges().ok());
  std::map<std::string, int> live;
  for (const auto& r : reference) live.insert(r.begin(), r.end());
  EXPECT_EQ(w->committed_documents(), live.size());
  ExpectHolds(dir_, live);
  // Merges were committed on their own, and kept the segment count down.
  const Manifest m = Latest(dir_);
  EXPECT_GT(m.generation, static_cast<uint64_t>(commits.load()) + 1);
  EXPECT_LE(m.segments.size(), 8u);
  w.reset();
  ExpectHolds(dir_, live);
  VerifyReport report;
  ASSERT_TRUE(VerifyIndex(dir_, true, &report).ok());
  EXPECT_TRUE(report.ok()) << report.problems.front();
}

// While a merge is held: a committed delete and update of its inputs stay in effect in its
// result; a delete and update not committed yet stay invisible until their Commit.
TEST_F(BackgroundMerge, DeletesAndUpdatesDuringAMergeStayInEffect) {
  GateFileSystem gate;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir_, ThreeWay(&gate), &w).ok());
  std::map<std::string, int> live;
  CommitThreeBatches(w.get(), &gate, &live);
  ASSERT_TRUE(gate.WaitReached());
  const uint64_t before = Latest(dir_).generation;

  ASSERT_TRUE(w->Delete("b0d1").ok());
  ASSERT_TRUE(w->Add(VersionDoc("b1d2", 1)).ok());
  ASSERT_TRUE(w->Add(VersionDoc("new", 0)).ok());
  ASSERT_TRUE(w->Commit().ok());  // does not wait for the merge
  live.erase("b0d1");
  live["b1d2"] = 1;
  live["new"] = 0;
  std::map<std::string, int> committed = live;
  ASSERT_TRUE(w->Delete("b2d3").ok());
  ASSERT_TRUE(w->Add(VersionDoc("b0d4", 1)).ok());
  live.erase("b2d3");
  live["b0d4"] = 1;
  EXPECT_EQ(Latest(dir_).generation, before + 1);
  ExpectHolds(dir_, committed);

  gate.Release();
  ASSERT_TRUE(w->WaitForMerges().ok());
  const Manifest merged = Latest(dir_);
  EXPECT_EQ(merged.generation, before + 2);
  EXPECT_EQ(merged.segments.size(), 2u);  // the merge's, and the fourth commit's
  ExpectHolds(dir_, committed);           // nothing uncommitted went out with the merge

  ASSERT_TRUE(w->Commit().ok());
  ExpectHolds(dir_, live);
  w.reset();
  ASSERT_TRUE(IndexWriter::Open(dir_, ThreeWay(nullptr), &w).ok());
  EXPECT_EQ(w->committed_documents(), live.size());
  ASSERT_TRUE(w->Optimize().ok());
  ExpectHolds(dir_, live);
}

// Closing the writer while a merge runs cancels it: the index stays at the last commit, with
// none of the merge's files, and the next writer merges.
TEST_F(BackgroundMerge, ClosingCancelsARunningMerge) {
  GateFileSystem gate;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir_, ThreeWay(&gate), &w).ok());
  std::map<std::string, int> live;
  CommitThreeBatches(w.get(), &gate, &live);
  ASSERT_TRUE(gate.WaitReached());
  const Manifest before = Latest(dir_);
  std::thread closer([&] { w.reset(); });
  std::this_thread::sleep_for(200ms);  // the cancellation is set before the merge goes on
  gate.Release();
  closer.join();
  const Manifest after = Latest(dir_);
  EXPECT_EQ(after.generation, before.generation);
  EXPECT_EQ(after.segments.size(), 3u);
  const std::vector<std::string> strays = StrayFiles(dir_);
  EXPECT_TRUE(strays.empty()) << "left behind: " << strays.front();
  ExpectHolds(dir_, live);

  ASSERT_TRUE(IndexWriter::Open(dir_, ThreeWay(nullptr), &w).ok());
  ASSERT_TRUE(w->Add(VersionDoc("after", 0)).ok());
  live["after"] = 0;
  ASSERT_TRUE(w->Commit().ok());
  ASSERT_TRUE(w->WaitForMerges().ok());
  EXPECT_LT(Latest(dir_).segments.size(), 3u);
  ExpectHolds(dir_, live);
}

// Optimize waits for a running merge, then merges everything.
TEST_F(BackgroundMerge, OptimizeWaitsForARunningMerge) {
  GateFileSystem gate;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir_, ThreeWay(&gate), &w).ok());
  std::map<std::string, int> live;
  CommitThreeBatches(w.get(), &gate, &live);
  ASSERT_TRUE(gate.WaitReached());
  ASSERT_TRUE(w->Add(VersionDoc("b1d1", 7)).ok());
  live["b1d1"] = 7;
  std::atomic<bool> optimized{false};
  Status optimize;
  std::thread optimizer([&] {
    optimize = w->Optimize();
    optimized = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(optimized.load());
  gate.Release();
  optimizer.join();
  ASSERT_TRUE(optimize.ok()) << optimize.ToString();
  EXPECT_EQ(Latest(dir_).segments.size(), 1u);
  ExpectHolds(dir_, live);
}

// A merge that commits while a worker is creating its store for the next documents leaves that
// store alone: the writer knows the file is its own from before the file exists.
TEST_F(BackgroundMerge, AMergeCommitKeepsTheStoreAWorkerIsCreating) {
  // The store gate sits above the merge gate, so each sees every creation.
  GateFileSystem merge_gate;
  GateFileSystem store_gate(IsPendingStore, /*after_creation=*/true, &merge_gate);
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir_, ThreeWay(&store_gate), &w).ok());
  std::map<std::string, int> live;
  CommitThreeBatches(w.get(), &merge_gate, &live);
  ASSERT_TRUE(merge_gate.WaitReached());

  store_gate.Arm();
  ASSERT_TRUE(w->Add(VersionDoc("next", 0)).ok());
  live["next"] = 0;
  ASSERT_TRUE(store_gate.WaitReached());
  merge_gate.Release();  // the merge commits, and removes the files no commit references
  ASSERT_TRUE(w->WaitForMerges().ok());
  store_gate.Release();

  const Status s = w->Commit();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectHolds(dir_, live);
}

// Crashing (the process dies) at every file-system call of a merge, its commit and its
// cleanup: every acknowledged commit is there, the index verifies, and the next writer removes
// the merge's orphan files and commits.
TEST_F(BackgroundMerge, ACrashAtAnyPointOfAMergeLosesNothing) {
  // Counts the calls from the merged store's creation on, and ends the process at the n-th.
  class CrashingFileSystem : public FileSystemWrapper {
   public:
    explicit CrashingFileSystem(int crash_at) : crash_at_(crash_at) {}
    void Count() {
      std::lock_guard<std::mutex> lock(mu_);
      if (counting_ && ++calls_ == crash_at_) _exit(0);
    }
    Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (IsMergedStore(path)) counting_ = true;
      }
      Count();
      std::unique_ptr<WritableFile> base;
      TRAWL_RETURN_IF_ERROR(FileSystemWrapper::NewWritableFile(path, &base));
      *out = std::make_unique<File>(this, std::move(base));
      return Status::OK();
    }
    Status RenameFile(const std::string& from, const std::string& to) override {
      Count();
      return FileSystemWrapper::RenameFile(from, to);
    }
    Status RemoveFile(const std::string& path) override {
      Count();
      return FileSystemWrapper::RemoveFile(path);
    }
    Status SyncDirectory(const std::string&) override {
      Count();  // a process crash keeps the page cache: fsyncs need not reach the disk
      return Status::OK();
    }

   private:
    class File : public WritableFile {
     public:
      File(CrashingFileSystem* fs, std::unique_ptr<WritableFile> base)
          : fs_(fs), base_(std::move(base)) {}
      Status Append(std::string_view data) override {
        fs_->Count();
        return base_->Append(data);
      }
      Status Sync() override {
        fs_->Count();
        return Status::OK();
      }
      Status Close() override {
        fs_->Count();
        return base_->Close();
      }

     private:
      CrashingFileSystem* fs_;
      std::unique_ptr<WritableFile> base_;
    };
    std::mutex mu_;
    const int crash_at_;
    bool counting_ = false;
    int calls_ = 0;
  };

  int crashes = 0;
  for (int crash_at = 1; crash_at < 1000; ++crash_at) {
    SCOPED_TRACE("crash at call " + std::to_string(crash_at));
    const std::string dir = dir_ + "/idx" + std::to_string(crash_at);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      CrashingFileSystem crashing(crash_at);
      std::unique_ptr<IndexWriter> w;
      if (!IndexWriter::Open(dir, ThreeWay(&crashing), &w).ok()) _exit(2);
      std::map<std::string, int> live;
      CommitThreeBatches(w.get(), nullptr, &live);
      if (!w->WaitForMerges().ok()) _exit(3);
      _exit(1);  // the merge ended before the crash point
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    const int code = WEXITSTATUS(status);
    ASSERT_TRUE(code == 0 || code == 1) << "child exit " << code;
    // Three commits of 20 were acknowledged before any merge call.
    {
      auto s = OpenSearcher(dir);
      ASSERT_NE(s, nullptr);
      EXPECT_EQ(CountOf(*s, "*"), 60u);
    }
    VerifyReport report;
    ASSERT_TRUE(VerifyIndex(dir, true, &report).ok());
    ASSERT_TRUE(report.ok()) << report.problems.front();
    {
      std::unique_ptr<IndexWriter> w;
      IndexWriterOptions opts = ThreeWay(nullptr);
      opts.merge_in_background = false;
      ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
      ASSERT_TRUE(w->Add(VersionDoc("after", 0)).ok());
      ASSERT_TRUE(w->Commit().ok());
    }
    const std::vector<std::string> strays = StrayFiles(dir);
    EXPECT_TRUE(strays.empty()) << "left behind: " << strays.front();
    auto s = OpenSearcher(dir);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(CountOf(*s, "*"), 61u);
    fs::remove_all(dir);
    if (code == 1) break;
    ++crashes;
  }
  // The merge makes dozens of calls (files, appends, its commit, removing what it replaced).
  EXPECT_GT(crashes, 20);
}

// Merges everything as soon as there are two segments.
class MergeAllPolicy : public MergePolicy {
 public:
  MergeSpec FindMerge(const std::vector<SegmentSummary>& segments) const override {
    for (const SegmentSummary& s : segments)
      if (s.merging) return {};
    return segments.size() >= 2 ? MergeSpec{0, segments.size()} : MergeSpec{};
  }
};

TEST_F(BackgroundMerge, TheMergePolicyIsReplaceable) {
  for (bool background : {true, false}) {
    SCOPED_TRACE(background ? "in the background" : "inside Commit");
    const std::string dir = dir_ + (background ? "/bg" : "/fg");
    IndexWriterOptions opts;
    opts.merge_in_background = background;
    opts.merge_policy = std::make_shared<MergeAllPolicy>();
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
    std::map<std::string, int> live;
    for (int c = 0; c < 4; ++c) {
      const std::string id = "c" + std::to_string(c);
      ASSERT_TRUE(w->Add(VersionDoc(id, 0)).ok());
      live[id] = 0;
      ASSERT_TRUE(w->Commit().ok());
      ASSERT_TRUE(w->WaitForMerges().ok());
      EXPECT_EQ(Latest(dir).segments.size(), 1u);
    }
    ExpectHolds(dir, live);
  }
}

std::vector<SegmentSummary> Summaries(const std::vector<uint64_t>& docs) {
  std::vector<SegmentSummary> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    SegmentSummary s;
    s.name = "seg_" + std::to_string(i);
    s.num_docs = docs[i];
    out.push_back(s);
  }
  return out;
}

TEST(TieredMergePolicy, PicksFullTiersAvoidingMergingSegments) {
  TieredMergeOptions o;
  o.segments_per_tier = 3;
  const TieredMergePolicy policy(o);
  // Small segments are one tier (under floor_docs); two are not enough.
  EXPECT_TRUE(policy.FindMerge(Summaries({10, 20})).empty());
  MergeSpec spec = policy.FindMerge(Summaries({10, 20, 30, 40}));
  EXPECT_EQ(spec.first, 0u);
  EXPECT_EQ(spec.count, 3u);
  // A segment in a merge is skipped: the next three adjacent ones are picked.
  std::vector<SegmentSummary> s = Summaries({10, 20, 30, 40});
  s[0].merging = true;
  spec = policy.FindMerge(s);
  EXPECT_EQ(spec.first, 1u);
  EXPECT_EQ(spec.count, 3u);
  // A large segment and smaller ones after it: the small ones form their own tier.
  spec = policy.FindMerge(Summaries({100000, 10, 10, 10}));
  EXPECT_EQ(spec.first, 1u);
  EXPECT_EQ(spec.count, 3u);
  // max_merged_docs keeps big segments apart.
  o.max_merged_docs = 50000;
  EXPECT_TRUE(TieredMergePolicy(o).FindMerge(Summaries({30000, 30000, 30000})).empty());
  // Deletions: a segment with over 20% deleted is merged alone; 100 disables that.
  s = Summaries({5000});
  s[0].num_deleted = 1500;
  spec = policy.FindMerge(s);
  EXPECT_EQ(spec.first, 0u);
  EXPECT_EQ(spec.count, 1u);
  o.reclaim_deleted_percent = 100;
  EXPECT_TRUE(TieredMergePolicy(o).FindMerge(s).empty());
  o.segments_per_tier = 1;
  EXPECT_TRUE(TieredMergePolicy(o).FindMerge(Summaries({1, 1, 1, 1})).empty());
}

}  // namespace
}  // namespace background_merge_test
}  // namespace trawl
