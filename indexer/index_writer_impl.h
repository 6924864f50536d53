// IndexWriterImpl: the IndexWriter behind include/trawl/index_writer.h, the single writer of an
// index directory. It holds the directory lock, hands documents to worker threads that each
// build a segment within their share of the memory budget, and commits: batch deletions,
// tiered merges, deletion files, the manifest, then removal of files no kept commit needs.
// Every file-system call goes through options.file_system.
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
#include "indexer/document_mapper.h"
#include "indexer/segment_builder.h"
#include "trawl/file_system.h"
#include "trawl/index_writer.h"

namespace trawl {

// A segment the writer knows: committed, or written since the last commit. The reader is for
// id lookups; `deleted` is the deletion set the next commit will record. Segments written since
// the last commit also know the add sequence number of each of their documents, so deletions
// of documents from this batch find them whichever worker built them.
struct LiveSegment {
  ManifestSegment entry;
  std::unique_ptr<SegmentReader> reader;
  RoaringPtr deleted;
  bool dirty = false;
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
  ~IndexWriterImpl() override;  // stops the workers, then releases the lock
  IndexWriterImpl(const IndexWriterImpl&) = delete;
  IndexWriterImpl& operator=(const IndexWriterImpl&) = delete;

  // Creates `dir` if needed, locks it, loads its newest commit (or starts an empty index with
  // the options' analyzer), removes files no commit references, and starts the workers.
  Status Init(const std::string& dir, const IndexWriterOptions& options);

  Status Add(const Document& doc) override;
  Status Delete(std::string_view id, bool* found) override;
  Status Commit() override;
  Status Optimize() override;
  uint64_t buffered_documents() const override {
    return buffered_.load(std::memory_order_relaxed);
  }
  uint64_t committed_documents() const override {
    return committed_docs_.load(std::memory_order_relaxed);
  }

 private:
  // Bounds the documents waiting for a worker: the reader never runs far ahead of analysis.
  static constexpr size_t kMaxQueuedDocuments = 256;

  struct Job {
    MappedDocument doc;
    uint64_t seq;
  };
  // Holds Add and Delete off for a commit's duration (sets committing_), and lets them go on.
  class ChangesPaused;

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
  std::vector<size_t> PickMerge() const;
  Status MergeInto(const std::vector<size_t>& pick);
  Status WriteDeletionFiles(Manifest* next);
  void InstallCommit(Manifest next);
  void DropOldCommits();

  // File removal: only files that no manifest in the directory and no segment of this writer
  // refers to.
  Status RemoveUnreferencedFiles();
  // The files the manifests in the directory reference; an error if one cannot be read (it
  // may reference any file).
  Status ManifestReferences(std::set<std::string>* referenced);
  void RemoveSegmentFiles(const std::string& name);  // with mu_ held
  bool ReferencedByWriter(std::string_view file_name) const;

  std::string dir_;
  IndexWriterOptions options_;
  std::unique_ptr<TrackingFileSystem> tracking_;
  FileSystem* fs_ = nullptr;  // tracking_
  std::unique_ptr<FileLock> lock_;
  bool lock_identity_known_ = false;  // false if the file system cannot tell files apart
  FileIdentity lock_identity_;
  std::vector<std::unique_ptr<Worker>> workers_;

  // Taken by Commit and Optimize for their whole run, so that they follow one another. Taken
  // before mu_ and schema_mu_.
  std::mutex commit_mu_;

  // Guards everything below but schema_, and Manifest::next_segment_number. Taken before
  // schema_mu_.
  std::mutex mu_;
  // may_change_: Add and Delete wait on it for room in the queue and for the end of a commit.
  std::condition_variable not_empty_, may_change_, idle_;
  std::deque<Job> queue_;
  size_t busy_ = 0;
  bool stop_ = false;
  bool committing_ = false;  // Add and Delete wait while it is set
  Status worker_error_;
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
