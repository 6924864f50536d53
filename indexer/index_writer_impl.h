// IndexWriterImpl: the IndexWriter behind include/trawl/index_writer.h, the single writer of an
// index directory. It holds the directory lock, hands documents to worker threads that each
// build a segment within their share of the memory budget, and commits: batch deletions,
// tiered merges, deletion files, the manifest, then removal of files no kept commit needs.
// Every file-system call goes through options.file_system.
//
// Merges (options.merge_in_background) run on merge_thread_: it picks a merge among committed
// segments under mu_, marks them merging, snapshots their committed deletions, and merges with
// no lock held; then, holding commit_mu_ (so no Commit runs) it writes a commit that replaces the
// inputs by the result, and under mu_ carries over the deletions made meanwhile. Lock order:
// commit_mu_, then mu_, then schema_mu_.
//
// Threads (the rules are in include/trawl/index_writer.h): documents are mapped against the
// schema under schema_mu_, shared unless they bring new fields. An Add's replacement of an
// older version and its place in the queue are one step under mu_, so racing Adds and Deletes
// of an id take effect in the order they take mu_. Commit and Optimize take commit_mu_ and
// pause changes (committing_) until they return, so a commit holds exactly what was added
// before it paused them.
#ifndef TRAWL_INDEXER_INDEX_WRITER_IMPL_H_
#define TRAWL_INDEXER_INDEX_WRITER_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/field_analyzers.h"
#include "format/manifest.h"
#include "format/segment_reader.h"
#include "format/store_writer.h"
#include "indexer/document_mapper.h"
#include "indexer/segment_builder.h"
#include "trawl/file_system.h"
#include "trawl/index_writer.h"

namespace trawl {

// A segment the writer knows: committed, or written since the last commit. The reader is for
// id lookups and merges (shared with a running merge); `deleted` is the deletion set the next
// commit will record, `committed_deleted` the last commit's (what a background merge may drop:
// it must not publish a deletion before its Commit). Segments written since the last commit
// also know the add sequence number of each of their documents, so deletions of documents from
// this batch find them whichever worker built them.
struct LiveSegment {
  ManifestSegment entry;
  std::shared_ptr<SegmentReader> reader;
  RoaringPtr deleted;
  RoaringPtr committed_deleted;  // null for segments not committed yet
  bool dirty = false;
  bool merging = false;        // an input of the running background merge
  std::vector<uint64_t> seqs;  // uncommitted segments: docid -> add sequence number
};

// One indexing thread's state: its own analyzers (stemmers are not thread-safe) and builder.
struct Worker {
  std::unique_ptr<FieldAnalyzers> analyzers;
  std::unique_ptr<SegmentBuilder> builder;
  std::vector<uint64_t> seqs;  // builder docid -> add sequence number
  std::thread thread;
};

// The writer's view of its file system: forwards every call, and remembers the files this
// writer created (or renamed into place) and has not removed since. A file it did not create
// is one it may remove only when no manifest in the directory references it: with its lock
// file removed by hand, another writer may have written files under the same names.
class TrackingFileSystem final : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  bool Created(const std::string& path) const;

 private:
  mutable std::mutex mu_;
  std::unordered_set<std::string> created_;
};

class IndexWriterImpl final : public IndexWriter {
 public:
  IndexWriterImpl() = default;
  ~IndexWriterImpl() override;  // cancels merges, stops the workers, then releases the lock
  IndexWriterImpl(const IndexWriterImpl&) = delete;
  IndexWriterImpl& operator=(const IndexWriterImpl&) = delete;

  // Creates `dir` if needed, locks it, loads its newest commit (or starts an empty index with
  // the options' analyzer), removes files no commit references, and starts the workers.
  Status Init(const std::string& dir, const IndexWriterOptions& options);

  Status Add(const Document& doc) override;
  Status Delete(std::string_view id, bool* found) override;
  Status Commit() override;
  Status Optimize() override;
  Status WaitForMerges() override;
  uint64_t buffered_documents() const override {
    return buffered_.load(std::memory_order_relaxed);
  }
  uint64_t committed_documents() const override {
    return committed_docs_.load(std::memory_order_relaxed);
  }

 private:
  // Bounds the documents waiting for a worker: the reader never runs far ahead of analysis.
  static constexpr size_t kMaxQueuedDocuments = 256;
  // A full queue wakes its waiting Adds only once it has drained to here. Waking them at every
  // document taken made the reader and a slower worker trade places once per document, two
  // futex calls and a context switch each time.
  static constexpr size_t kQueueRefillAt = kMaxQueuedDocuments / 2;

  struct Job {
    MappedDocument doc;
    uint64_t seq;
  };
  // Holds Add and Delete off for a commit's duration (sets committing_), and lets them go on.
  class ChangesPaused;
  // Holds background merges off (waiting for a running one to end), and lets them go on.
  class MergesPaused;
  // A background merge from its pick to its commit.
  struct RunningMerge {
    std::vector<std::string> names;                       // inputs, adjacent, oldest first
    std::vector<std::shared_ptr<SegmentReader>> readers;  // kept open while merging
    std::vector<RoaringPtr> dropped;  // per input: the committed deletions the merge drops
    std::string output;               // the merged segment's name (reserved)
    SegmentStats stats;
    std::shared_ptr<SegmentReader> reader;  // the merged segment's, when it has documents
  };

  // Init's steps.
  Status CheckDirectory();
  Status LockDirectory();
  // Fails if the lock file is no longer the file this writer locked (removed or replaced by
  // hand), or if another writer committed since this writer's last commit: committing then
  // would overwrite that writer's manifest or files.
  Status CheckLock();
  Status CheckNoNewerCommit();
  Status LoadCommit();
  Status StartWorkers();

  // Maps a document against schema_, adding the fields it brings.
  Status MapToSchema(const Document& doc, MappedDocument* out);
  // Delete's work, with mu_ held and changes not paused.
  Status DeleteLocked(std::string_view id, bool* found);

  // Indexing. Workers run WorkerLoop; the committing thread drains them with FlushAll.
  void WorkerLoop(Worker* w);
  Status AddToWorker(Worker* w, const Job& job);
  Status FlushWorker(Worker* w);
  Status FlushAll();
  void StopWorkers();
  // The name of the next new segment. Called with mu_ held.
  std::string NewSegmentName();

  // Commit's steps, with commit_mu_ held and changes paused. The steps below it are called with
  // mu_ held as well, and every worker idle.
  Status CommitPaused();
  void ApplyBatchDeletes();
  Status MergeTiers();
  // The policy's pick among segments_ (all of them, or with `committed_only` those a commit
  // holds, counting committed deletions); empty when it picks none or an invalid merge.
  std::vector<size_t> PickMerge(bool committed_only) const;
  Status MergeInto(const std::vector<size_t>& pick);
  Status WriteDeletionFiles(Manifest* next);
  void InstallCommit(Manifest next);
  void DropOldCommits();

  // Background merging: MergeLoop is merge_thread_'s body. StartMerge (mu_ held) reserves the
  // pick; RunMerge writes the merged segment (no lock held); CommitMerge (commit_mu_ held)
  // commits it; AbandonMerge (mu_ held) undoes StartMerge and removes the merge's files.
  void MergeLoop();
  void StartMerge(const std::vector<size_t>& pick, RunningMerge* merge);
  Status RunMerge(RunningMerge* merge);
  Status CommitMerge(RunningMerge* merge);
  void AbandonMerge(const RunningMerge& merge);
  void WakeMerges();  // after a commit: there may be something to merge

  // File removal: only files that no manifest in the directory and no segment of this writer
  // refers to.
  Status RemoveUnreferencedFiles();
  // The files the manifests in the directory reference; an error if one cannot be read (it
  // may reference any file).
  Status ManifestReferences(std::set<std::string>* referenced);
  void RemoveSegmentFiles(const std::string& name);  // with mu_ held
  // mu_ held: the files of segments this writer uses or is writing.
  void AddWriterFiles(std::set<std::string>* referenced) const;
  bool ReferencedByWriter(std::string_view file_name) const;

  std::string dir_;
  IndexWriterOptions options_;
  StoreCompression store_compression_;  // options_'s
  std::unique_ptr<TrackingFileSystem> tracking_;
  FileSystem* fs_ = nullptr;  // tracking_
  std::unique_ptr<FileLock> lock_;
  bool lock_identity_known_ = false;  // false if the file system cannot tell files apart
  FileIdentity lock_identity_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<MergePolicy> default_policy_;
  const MergePolicy* policy_ = nullptr;  // options_.merge_policy or default_policy_
  std::thread merge_thread_;

  // Taken by Commit and Optimize for their whole run, so that they follow one another. Taken
  // before mu_ and schema_mu_.
  std::mutex commit_mu_;

  // Guards everything below but schema_, and Manifest::next_segment_number. Taken before
  // schema_mu_.
  std::mutex mu_;
  // may_change_: Add and Delete wait on it for room in the queue and for the end of a commit.
  std::condition_variable not_empty_, may_change_, idle_;
  // merge_wake_: the merge thread waits on it for work; merge_idle_: WaitForMerges and
  // MergesPaused wait on it for the merge thread to be idle.
  std::condition_variable merge_wake_, merge_idle_;
  std::deque<Job> queue_;
  size_t busy_ = 0;
  bool stop_ = false;
  bool committing_ = false;  // Add and Delete wait while it is set
  Status worker_error_;
  // Background merges. merge_wanted_: a commit since the policy last picked nothing (or since a
  // merge failed). The running merge, if any, is the one whose inputs are marked merging.
  bool merge_wanted_ = false;
  bool merge_running_ = false;
  int merges_paused_ = 0;
  bool stop_merging_ = false;
  std::atomic<bool> cancel_merge_{false};
  Status merge_error_;  // the first failure since WaitForMerges last returned it
  // Names given out by NewSegmentName whose segment is being written (by a worker or a merge)
  // and is not in segments_ yet: their files are in use though nothing references them.
  std::set<std::string> writing_;
  Manifest manifest_;  // the last commit (generation 0: none yet)
  // The schema as of the documents added so far: the last commit's, with the fields of
  // IndexWriterOptions::schema and of dynamic mapping added. Only Add changes it, holding
  // schema_mu_ exclusively; the next commit records it.
  std::shared_mutex schema_mu_;
  Schema schema_;
  std::vector<LiveSegment> segments_;
  std::unordered_map<std::string, uint64_t> batch_ids_;  // id -> add sequence, this batch
  std::unordered_set<uint64_t> deleted_seqs_;
  uint64_t next_seq_ = 0;
  // Changed with mu_ held; atomic so that their getters may be called from any thread.
  std::atomic<uint64_t> buffered_{0};
  std::atomic<uint64_t> committed_docs_{0};
};

}  // namespace trawl

#endif  // TRAWL_INDEXER_INDEX_WRITER_IMPL_H_
