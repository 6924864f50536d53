// The single writer of an index directory: lock, buffer, flush segments, commit.
#include "trawl/index_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>

#include <roaring/roaring.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "analysis/analyzer.h"
#include "format/deletes.h"
#include "format/file_names.h"
#include "format/file_format.h"
#include "format/manifest.h"
#include "format/segment_format.h"
#include "indexer/segment_builder.h"
#include "indexer/segment_merger.h"
#include "format/segment_reader.h"

namespace trawl {

namespace {

Status MakeDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::OK();
    return Status::InvalidArgument(dir + ": exists and is not a directory");
  }
  return Status::IOError(dir + ": mkdir: " + std::strerror(errno));
}

// Holds an exclusive flock on <dir>/LOCK. The kernel drops the lock when the process dies, so a
// lock file left behind by a killed writer never blocks the next one.
class DirectoryLock {
 public:
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Acquire(const std::string& dir) {
    const std::string path = LockFilePath(dir);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::IOError(path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK)
        return Status::Busy(dir + ": another writer is using this index (LOCK is held)");
      return Status::IOError(path + ": flock: " + std::strerror(errno));
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
};

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

// One indexing thread's state: its own analyzer (stemmers are not thread-safe) and builder.
struct Worker {
  std::unique_ptr<Analyzer> analyzer;
  std::unique_ptr<SegmentBuilder> builder;
  std::vector<uint64_t> seqs;  // builder docid -> add sequence number
  std::thread thread;
};

class IndexWriterImpl final : public IndexWriter {
 public:
  ~IndexWriterImpl() override { StopWorkers(); }

  Status Init(const std::string& dir, const IndexWriterOptions& options) {
    dir_ = dir;
    options_ = options;
    fs_ = options.file_system != nullptr ? options.file_system : FileSystem::Default();
    TRAWL_RETURN_IF_ERROR(MakeDirectory(dir));
    TRAWL_RETURN_IF_ERROR(lock_.Acquire(dir));
    Status s = ReadLatestManifest(dir, &manifest_);
    if (s.IsNotFound()) {
      manifest_ = Manifest();
      manifest_.analyzer.language = options.language;
      manifest_.analyzer.stopwords = options.stopwords;
      manifest_.analyzer.tokenizer = options.tokenizer;
      manifest_.analyzer.max_token_chars = options.max_token_chars;
    } else if (!s.ok()) {
      return s;
    }
    std::unique_ptr<Analyzer> probe;
    TRAWL_RETURN_IF_ERROR(Analyzer::Create(manifest_.analyzer, &probe));
    for (const auto& entry : manifest_.segments) {
      LiveSegment seg;
      seg.entry = entry;
      TRAWL_RETURN_IF_ERROR(
          SegmentReader::Open(dir_, entry.name, /*verify_checksums=*/false, &seg.reader));
      roaring_bitmap_t* deleted = nullptr;
      if (entry.deletes.empty()) {
        deleted = roaring_bitmap_create();
      } else {
        TRAWL_RETURN_IF_ERROR(ReadDeletes(dir_ + "/" + entry.deletes, entry.num_docs,
                                          entry.num_deleted, &deleted));
      }
      seg.deleted.reset(deleted);
      committed_docs_ += entry.num_docs - entry.num_deleted;
      segments_.push_back(std::move(seg));
    }
    TRAWL_RETURN_IF_ERROR(RemoveUnreferencedFiles());
    const uint32_t threads = std::max<uint32_t>(1, options.threads);
    for (uint32_t i = 0; i < threads; ++i) {
      auto w = std::make_unique<Worker>();
      TRAWL_RETURN_IF_ERROR(Analyzer::Create(manifest_.analyzer, &w->analyzer));
      workers_.push_back(std::move(w));
    }
    for (auto& w : workers_) w->thread = std::thread([this, w = w.get()] { WorkerLoop(w); });
    return Status::OK();
  }

  Status Add(const Document& doc) override {
    if (doc.id.empty()) return Status::InvalidArgument("document has an empty id");
    TRAWL_RETURN_IF_ERROR(Delete(doc.id, nullptr));
    std::unique_lock<std::mutex> lock(mu_);
    TRAWL_RETURN_IF_ERROR(worker_error_);
    not_full_.wait(lock, [&] { return queue_.size() < kMaxQueuedDocuments; });
    const uint64_t seq = next_seq_++;
    batch_ids_[doc.id] = seq;
    queue_.push_back({doc, seq});
    ++buffered_;
    not_empty_.notify_one();
    return Status::OK();
  }

  Status Delete(std::string_view id, bool* found) override {
    bool any = false;
    std::lock_guard<std::mutex> lock(mu_);
    for (LiveSegment& seg : segments_) {
      // Documents of this batch are found by sequence number below.
      if (!seg.seqs.empty() || seg.reader->FieldId(kIdField) != 0) continue;
      TermInfo info;
      Status s = seg.reader->LookupTerm(0, id, &info);
      if (s.IsNotFound()) continue;
      TRAWL_RETURN_IF_ERROR(s);
      PostingList list;
      TRAWL_RETURN_IF_ERROR(seg.reader->OpenPostings(info, &list));
      for (auto c = list.docids().NewCursor(); c.doc() != kNoMoreDocs; c.Next()) {
        if (roaring_bitmap_add_checked(seg.deleted.get(), c.doc())) {
          seg.dirty = true;
          any = true;
        }
      }
    }
    auto it = batch_ids_.find(std::string(id));
    if (it != batch_ids_.end()) {
      deleted_seqs_.insert(it->second);
      batch_ids_.erase(it);
      any = true;
    }
    if (found != nullptr) *found = any;
    return Status::OK();
  }

  Status Commit() override {
    TRAWL_RETURN_IF_ERROR(FlushAll());
    std::lock_guard<std::mutex> lock(mu_);
    ApplyBatchDeletes();
    TRAWL_RETURN_IF_ERROR(MergeTiers());
    Manifest next = manifest_;
    next.generation = manifest_.generation + 1;
    next.segments.clear();
    uint64_t live = 0;
    for (LiveSegment& seg : segments_) {
      if (seg.dirty) {
        const std::string name = DeletesFileName(seg.entry.name, next.generation);
        ::unlink((dir_ + "/" + name).c_str());  // left by a failed attempt at this commit
        TRAWL_RETURN_IF_ERROR(WriteDeletes(dir_ + "/" + name, seg.deleted.get(), fs_));
        seg.entry.deletes = name;
        seg.entry.num_deleted =
            static_cast<uint32_t>(roaring_bitmap_get_cardinality(seg.deleted.get()));
      }
      // A segment whose every document is deleted leaves the index.
      if (seg.entry.num_deleted == seg.entry.num_docs) continue;
      next.segments.push_back(seg.entry);
      live += seg.entry.num_docs - seg.entry.num_deleted;
    }
    // New files were fsynced when written; their directory entries become durable here.
    TRAWL_RETURN_IF_ERROR(SyncDirectory(dir_, fs_));
    TRAWL_RETURN_IF_ERROR(WriteManifest(dir_, next, fs_));
    manifest_ = std::move(next);
    for (LiveSegment& seg : segments_) {
      seg.dirty = false;
      seg.seqs.clear();
    }
    std::erase_if(segments_, [](const LiveSegment& s) {
      return s.entry.num_deleted == s.entry.num_docs;
    });
    batch_ids_.clear();
    deleted_seqs_.clear();
    committed_docs_ = live;
    buffered_ = 0;
    return DropOldCommits();
  }

  Status Optimize() override {
    TRAWL_RETURN_IF_ERROR(FlushAll());
    {
      std::lock_guard<std::mutex> lock(mu_);
      ApplyBatchDeletes();
      bool any_deleted = false;
      for (const LiveSegment& seg : segments_)
        any_deleted |= !roaring_bitmap_is_empty(seg.deleted.get());
      if (segments_.size() > 1 || any_deleted) {
        std::vector<size_t> all(segments_.size());
        for (size_t i = 0; i < all.size(); ++i) all[i] = i;
        TRAWL_RETURN_IF_ERROR(MergeInto(all));
        batch_ids_.clear();
        deleted_seqs_.clear();
      }
    }
    return Commit();
  }

  uint64_t buffered_documents() const override { return buffered_; }
  uint64_t committed_documents() const override { return committed_docs_; }

 private:
  // Bounds the documents waiting for a worker: the reader never runs far ahead of analysis.
  static constexpr size_t kMaxQueuedDocuments = 256;

  struct Job {
    Document doc;
    uint64_t seq;
  };

  void WorkerLoop(Worker* w) {
    const size_t budget =
        std::max<size_t>(1, options_.memory_budget_bytes / std::max<size_t>(1, workers_.size()));
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        not_empty_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping
        job = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
        not_full_.notify_one();
      }
      Status s = AddToWorker(w, job);
      if (s.ok() && w->builder->memory_bytes() >= budget) s = FlushWorker(w);
      std::lock_guard<std::mutex> lock(mu_);
      if (!s.ok() && worker_error_.ok()) worker_error_ = s;
      --busy_;
      if (busy_ == 0 && queue_.empty()) idle_.notify_all();
    }
  }

  Status AddToWorker(Worker* w, const Job& job) {
    if (!w->builder) w->builder = std::make_unique<SegmentBuilder>(w->analyzer.get(), dir_, fs_);
    TRAWL_RETURN_IF_ERROR(w->builder->Add(job.doc));
    w->seqs.push_back(job.seq);
    return Status::OK();
  }

  // Writes a worker's builder as a new (uncommitted) segment. Called by the worker itself, or by
  // the committing thread while every worker is idle.
  Status FlushWorker(Worker* w) {
    if (!w->builder || w->builder->num_docs() == 0) return Status::OK();
    std::string name;
    {
      std::lock_guard<std::mutex> lock(mu_);
      name = SegmentName(manifest_.next_segment_number++);
    }
    SegmentStats stats;
    Status s = w->builder->Write(name, &stats);
    w->builder.reset();
    std::vector<uint64_t> seqs = std::move(w->seqs);
    w->seqs.clear();
    if (!s.ok()) {
      RemoveSegmentFiles(name);
      return s;
    }
    LiveSegment seg;
    seg.entry.name = name;
    seg.entry.num_docs = stats.num_docs;
    seg.seqs = std::move(seqs);
    seg.deleted.reset(roaring_bitmap_create());
    TRAWL_RETURN_IF_ERROR(SegmentReader::Open(dir_, name, /*verify_checksums=*/false, &seg.reader));
    std::lock_guard<std::mutex> lock(mu_);
    segments_.push_back(std::move(seg));
    return Status::OK();
  }

  // Waits until every queued document is in a builder, then writes every builder.
  Status FlushAll() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      idle_.wait(lock, [&] { return queue_.empty() && busy_ == 0; });
      TRAWL_RETURN_IF_ERROR(worker_error_);
    }
    for (auto& w : workers_) TRAWL_RETURN_IF_ERROR(FlushWorker(w.get()));
    return Status::OK();
  }

  // Tiered merging, in the manner of Lucene's LogMergePolicy. A segment's level is
  // log_F(live documents), with segments under kMergeFloorDocs counted at the floor so that
  // small flushes of any size bucket together. Scanning from the oldest segment, a bucket is the
  // run up to the last segment within 0.75 levels of the run's largest, and every F adjacent
  // segments of a bucket merge into one. The number of segments stays logarithmic in the index
  // size, each document is rewritten O(log n) times, and since only adjacent segments merge,
  // documents keep the order they were added in (ties in ranking break the same way as in a
  // fresh index). A segment with over a fifth of its documents deleted is rewritten on its own
  // to reclaim the space. Called with mu_ held, all workers idle.
  Status MergeTiers() {
    const uint32_t factor = options_.merge_factor;
    if (factor < 2) return Status::OK();
    constexpr uint64_t kMergeFloorDocs = 1000;
    const double log_factor = std::log(static_cast<double>(factor));
    const double floor_level = std::log(static_cast<double>(kMergeFloorDocs)) / log_factor;
    for (;;) {
      const size_t n = segments_.size();
      std::vector<double> level(n);
      for (size_t i = 0; i < n; ++i) {
        const uint64_t live = segments_[i].entry.num_docs -
                              roaring_bitmap_get_cardinality(segments_[i].deleted.get());
        level[i] = std::log(static_cast<double>(std::max(live, kMergeFloorDocs))) / log_factor;
      }
      std::vector<size_t> pick;
      for (size_t start = 0; start < n && pick.empty();) {
        const double top = *std::max_element(level.begin() + start, level.end());
        const double bottom = top <= floor_level ? -1.0 : top - 0.75;
        size_t end = n;  // one past the bucket's last segment
        while (end > start + 1 && level[end - 1] < bottom) --end;
        if (end - start >= factor)
          for (size_t k = start; k < start + factor; ++k) pick.push_back(k);
        start = end;
      }
      for (size_t i = 0; i < n && pick.empty(); ++i) {
        if (roaring_bitmap_get_cardinality(segments_[i].deleted.get()) * 5 >
            segments_[i].entry.num_docs)
          pick.push_back(i);
      }
      if (pick.empty()) return Status::OK();
      TRAWL_RETURN_IF_ERROR(MergeInto(pick));
    }
  }

  // Replaces the adjacent segments_[pick...] (ascending indexes) by their merge.
  Status MergeInto(const std::vector<size_t>& pick) {
    std::vector<MergeInput> inputs;
    for (size_t i : pick) inputs.push_back({segments_[i].reader.get(), segments_[i].deleted.get()});
    const std::string name = SegmentName(manifest_.next_segment_number++);
    SegmentStats stats;
    Status s = MergeSegments(inputs, dir_, name, &stats, fs_);
    if (!s.ok()) {
      RemoveSegmentFiles(name);
      return s;
    }
    LiveSegment merged;
    merged.entry.name = name;
    merged.entry.num_docs = stats.num_docs;
    merged.deleted.reset(roaring_bitmap_create());
    if (stats.num_docs > 0) {
      TRAWL_RETURN_IF_ERROR(SegmentReader::Open(dir_, name, false, &merged.reader));
    } else {
      RemoveSegmentFiles(name);
    }
    const size_t at = pick.front();
    for (size_t k = pick.size(); k-- > 0;) segments_.erase(segments_.begin() + pick[k]);
    if (stats.num_docs > 0) segments_.insert(segments_.begin() + at, std::move(merged));
    return Status::OK();
  }

  // Turns deletions of this batch's documents (by add sequence) into segment deletions.
  void ApplyBatchDeletes() {
    if (deleted_seqs_.empty()) return;
    for (LiveSegment& seg : segments_) {
      for (uint32_t d = 0; d < seg.seqs.size(); ++d) {
        if (deleted_seqs_.count(seg.seqs[d]) && roaring_bitmap_add_checked(seg.deleted.get(), d))
          seg.dirty = true;
      }
    }
  }

  void StopWorkers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      queue_.clear();
    }
    not_empty_.notify_all();
    for (auto& w : workers_)
      if (w->thread.joinable()) w->thread.join();
  }

  // Keeps the newest options_.keep_commits manifests, then removes files none of them needs:
  // those of dropped commits, and segments this commit merged away before any commit had them.
  Status DropOldCommits() {
    std::vector<uint64_t> generations;
    TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir_, &generations));
    const size_t keep = std::max<uint32_t>(1, options_.keep_commits);
    if (generations.size() > keep) {
      for (size_t i = 0; i + keep < generations.size(); ++i)
        ::unlink(ManifestPath(dir_, generations[i]).c_str());
      TRAWL_RETURN_IF_ERROR(SyncDirectory(dir_, fs_));
    }
    return RemoveUnreferencedFiles();
  }

  void RemoveSegmentFiles(const std::string& name) {
    for (const SegmentFile& f : kSegmentFiles) ::unlink(SegmentFilePath(dir_, name, f).c_str());
  }

  // Segment and deletion files that no manifest references were written by a writer that died
  // before its commit, or belong to commits no longer kept: no reader can open them any more.
  Status RemoveUnreferencedFiles() {
    std::vector<uint64_t> generations;
    TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir_, &generations));
    std::set<std::string> referenced;
    for (uint64_t g : generations) {
      Manifest m;
      if (!ReadManifest(dir_, g, &m).ok()) return Status::OK();  // be conservative
      for (const auto& seg : m.segments) {
        for (const SegmentFile& f : kSegmentFiles)
          referenced.insert(seg.name + std::string(f.suffix));
        if (!seg.deletes.empty()) referenced.insert(seg.deletes);
      }
    }
    // Uncommitted segments of this writer are in use too.
    for (const LiveSegment& seg : segments_)
      for (const SegmentFile& f : kSegmentFiles)
        referenced.insert(seg.entry.name + std::string(f.suffix));
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return Status::IOError(dir_ + ": " + std::strerror(errno));
    std::vector<std::string> doomed;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (IsSegmentFileName(name) && !referenced.count(std::string(name)))
        doomed.push_back(dir_ + "/" + e->d_name);
    }
    ::closedir(d);
    for (const auto& path : doomed) ::unlink(path.c_str());
    return Status::OK();
  }

  std::string dir_;
  IndexWriterOptions options_;
  FileSystem* fs_ = nullptr;
  DirectoryLock lock_;
  std::vector<std::unique_ptr<Worker>> workers_;

  // Guards everything below, and Manifest::next_segment_number.
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_, idle_;
  std::deque<Job> queue_;
  size_t busy_ = 0;
  bool stop_ = false;
  Status worker_error_;
  Manifest manifest_;
  std::vector<LiveSegment> segments_;
  std::unordered_map<std::string, uint64_t> batch_ids_;  // id -> add sequence, this batch
  std::unordered_set<uint64_t> deleted_seqs_;
  uint64_t next_seq_ = 0;
  uint64_t buffered_ = 0;
  uint64_t committed_docs_ = 0;
};

}  // namespace

IndexWriter::~IndexWriter() = default;

Status IndexWriter::Open(const std::string& dir, const IndexWriterOptions& options,
                         std::unique_ptr<IndexWriter>* out) {
  auto writer = std::make_unique<IndexWriterImpl>();
  TRAWL_RETURN_IF_ERROR(writer->Init(dir, options));
  *out = std::move(writer);
  return Status::OK();
}

}  // namespace trawl
