// The single writer of an index directory: lock, buffer, flush segments, commit.
#include "trawl/index_writer.h"

#include <roaring/roaring.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <set>

#include "format/deletes.h"
#include "format/file_names.h"
#include "format/segment_format.h"
#include "indexer/index_writer_impl.h"
#include "indexer/segment_merger.h"

namespace trawl {

namespace {

// The N of a segment name "seg_N" (names are made by SegmentName only). For assertions.
[[maybe_unused]] uint64_t SegmentNumber(std::string_view name) {
  uint64_t n = 0;
  for (char c : name.substr(kSegmentPrefix.size())) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

// Whether `file_name` is one of the files of `segment`.
bool IsFileOf(const ManifestSegment& segment, std::string_view file_name) {
  if (file_name == segment.deletes) return true;
  for (const SegmentFile& f : kSegmentFiles)
    if (file_name == segment.name + std::string(f.suffix)) return true;
  return false;
}

}  // namespace

// --- the files this writer created ---

Status TrackingFileSystem::NewWritableFile(const std::string& path,
                                           std::unique_ptr<WritableFile>* out) {
  TRAWL_RETURN_IF_ERROR(FileSystemWrapper::NewWritableFile(path, out));
  std::lock_guard<std::mutex> lock(mu_);
  created_.insert(path);
  return Status::OK();
}

Status TrackingFileSystem::RenameFile(const std::string& from, const std::string& to) {
  TRAWL_RETURN_IF_ERROR(FileSystemWrapper::RenameFile(from, to));
  std::lock_guard<std::mutex> lock(mu_);
  if (created_.erase(from) > 0) created_.insert(to);
  return Status::OK();
}

Status TrackingFileSystem::RemoveFile(const std::string& path) {
  Status s = FileSystemWrapper::RemoveFile(path);
  if (s.ok() || s.IsNotFound()) {
    std::lock_guard<std::mutex> lock(mu_);
    created_.erase(path);
  }
  return s;
}

bool TrackingFileSystem::Created(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return created_.count(path) > 0;
}

// --- opening ---

IndexWriterImpl::~IndexWriterImpl() {
  StopWorkers();
  if (lock_ != nullptr) (void)fs_->UnlockFile(std::move(lock_));
}

Status IndexWriterImpl::Init(const std::string& dir, const IndexWriterOptions& options) {
  dir_ = dir;
  options_ = options;
  tracking_ = std::make_unique<TrackingFileSystem>(options.file_system);
  fs_ = tracking_.get();
  TRAWL_RETURN_IF_ERROR(fs_->CreateDir(dir_));
  // Before locking, which would leave a LOCK file among the user's files.
  TRAWL_RETURN_IF_ERROR(CheckDirectory());
  TRAWL_RETURN_IF_ERROR(LockDirectory());
  TRAWL_RETURN_IF_ERROR(LoadCommit());
  // Files of a writer that died or failed before its commit carry segment numbers this writer
  // is about to use again (the failed commit never recorded them), so they must go first.
  TRAWL_RETURN_IF_ERROR(RemoveUnreferencedFiles());
  return StartWorkers();
}

// A directory holding a manifest is an index (other files in it are left alone); one holding
// only index file names is empty or was left by a writer that died before its first commit.
// Anything else is most likely a mistyped path.
Status IndexWriterImpl::CheckDirectory() {
  if (options_.force) return Status::OK();
  std::vector<std::string> names;
  TRAWL_RETURN_IF_ERROR(fs_->GetChildren(dir_, &names));
  std::vector<std::string> foreign;
  for (const std::string& name : names) {
    uint64_t generation;
    if (ParseManifestFileName(name, &generation)) return Status::OK();
    if (!IsIndexFileName(name)) foreign.push_back(name);
  }
  if (foreign.empty()) return Status::OK();
  std::sort(foreign.begin(), foreign.end());
  std::string listed;
  for (size_t i = 0; i < foreign.size() && i < 3; ++i) listed += (i ? ", " : "") + foreign[i];
  if (foreign.size() > 3) listed += ", ... (" + std::to_string(foreign.size()) + " files)";
  return Status::InvalidArgument(
      dir_ + ": not empty and not a trawl index (it holds " + listed +
      "); refusing to create an index among other files (the force option, trawl-index "
      "--force, creates one there anyway)");
}

Status IndexWriterImpl::LockDirectory() {
  Status s = fs_->LockFile(LockFilePath(dir_), &lock_);
  if (s.code() == Status::Code::kBusy)
    return Status::Busy(dir_ + ": another writer is using this index (LOCK is held)");
  TRAWL_RETURN_IF_ERROR(s);
  s = fs_->GetFileIdentity(LockFilePath(dir_), &lock_identity_);
  if (s.code() == Status::Code::kNotSupported) return Status::OK();
  TRAWL_RETURN_IF_ERROR(s);
  lock_identity_known_ = true;
  return Status::OK();
}

Status IndexWriterImpl::CheckLock() {
  if (!lock_identity_known_) return Status::OK();
  const std::string path = LockFilePath(dir_);
  FileIdentity now;
  Status s = fs_->GetFileIdentity(path, &now);
  if (s.ok() && now == lock_identity_) return Status::OK();
  if (!s.ok() && !s.IsNotFound()) return s;
  // The lock file goes with its directory: then the cause to report is the directory's.
  if (s.IsNotFound()) {
    FileIdentity dir;
    const Status gone = fs_->GetFileIdentity(dir_, &dir);
    if (gone.IsNotFound()) {
      return Status::NotFound(gone.message() +
                              " (the index directory was removed or renamed while this writer "
                              "used it; commit refused)");
    }
  }
  return Status::Busy(path + ": the lock file was " + (s.ok() ? "replaced" : "removed") +
                      " while this writer held it, so another writer may be using the index; "
                      "commit refused (the index stays at its last commit)");
}

Status IndexWriterImpl::CheckNoNewerCommit() {
  std::vector<uint64_t> generations;
  TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir_, &generations, fs_));
  if (generations.empty() || generations.back() <= manifest_.generation) return Status::OK();
  return Status::Busy(ManifestPath(dir_, generations.back()) +
                      ": committed by another writer after this one's last commit (generation " +
                      std::to_string(manifest_.generation) +
                      "); commit refused (the index stays at that writer's commit)");
}

Status IndexWriterImpl::LoadCommit() {
  Status s = ReadLatestManifest(dir_, &manifest_, fs_);
  if (s.IsNotFound()) {
    manifest_ = Manifest();
    manifest_.analyzer.language = options_.language;
    manifest_.analyzer.stopwords = options_.stopwords;
    manifest_.analyzer.tokenizer = options_.tokenizer;
    manifest_.analyzer.max_token_chars = options_.max_token_chars;
    manifest_.analyzer.ascii_folding = options_.ascii_folding;
  } else if (!s.ok()) {
    return s;
  }
  std::unique_ptr<FieldAnalyzers> probe;
  TRAWL_RETURN_IF_ERROR(FieldAnalyzers::Create(manifest_.analyzer, &probe));
  schema_ = manifest_.schema;
  for (const auto& entry : manifest_.segments) {
    assert(SegmentNumber(entry.name) < manifest_.next_segment_number);
    LiveSegment seg;
    seg.entry = entry;
    TRAWL_RETURN_IF_ERROR(
        SegmentReader::Open(dir_, entry.name, /*verify_checksums=*/false, &seg.reader, fs_));
    roaring_bitmap_t* deleted = nullptr;
    if (entry.deletes.empty()) {
      deleted = roaring_bitmap_create();
    } else {
      TRAWL_RETURN_IF_ERROR(ReadDeletes(dir_ + "/" + entry.deletes, entry.num_docs,
                                        entry.num_deleted, &deleted, fs_));
    }
    seg.deleted.reset(deleted);
    committed_docs_ += entry.num_docs - entry.num_deleted;
    // An index from before schemas records none: its fields are what its segments hold, all
    // text, and stay so.
    if (manifest_.schema.empty()) {
      for (const FieldInfo& f : seg.reader->fields()) {
        if (f.name == kIdField || schema_.Find(f.name) != nullptr) continue;
        TRAWL_RETURN_IF_ERROR(schema_.AddField(f.name, FieldSpec::Default(f.type)));
      }
    }
    segments_.push_back(std::move(seg));
  }
  if (manifest_.generation == 0) {
    schema_.dynamic = options_.schema.dynamic;
    schema_.max_fields = options_.schema.max_fields;
  }
  Status merged = schema_.Merge(options_.schema);
  if (!merged.ok()) return Status::InvalidArgument(dir_ + ": " + merged.message());
  // A field's stopword file that cannot be read fails here rather than at its first document.
  Status analyzers = probe->CreateAll(schema_);
  if (!analyzers.ok()) return Status::InvalidArgument(dir_ + ": " + analyzers.message());
  return Status::OK();
}

Status IndexWriterImpl::StartWorkers() {
  const uint32_t threads = std::max<uint32_t>(1, options_.threads);
  for (uint32_t i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    TRAWL_RETURN_IF_ERROR(FieldAnalyzers::Create(manifest_.analyzer, &w->analyzers));
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->thread = std::thread([this, w = w.get()] { WorkerLoop(w); });
  return Status::OK();
}

// --- adding and deleting ---

Status IndexWriterImpl::Add(const Document& doc) {
  if (doc.id.empty()) return Status::InvalidArgument("document has an empty id");
  MappedDocument mapped;
  TRAWL_RETURN_IF_ERROR(MapToSchema(doc, &mapped));
  std::unique_lock<std::mutex> lock(mu_);
  may_change_.wait(lock,
                   [&] { return !committing_ && queue_.size() < kMaxQueuedDocuments; });
  TRAWL_RETURN_IF_ERROR(worker_error_);
  // The older version goes in the same step as this one comes: of two racing Adds of an id,
  // the one that takes mu_ last is the one left.
  TRAWL_RETURN_IF_ERROR(DeleteLocked(doc.id, nullptr));
  const uint64_t seq = next_seq_++;
  batch_ids_[doc.id] = seq;
  queue_.push_back({std::move(mapped), seq});
  buffered_.fetch_add(1, std::memory_order_relaxed);
  not_empty_.notify_one();
  return Status::OK();
}

Status IndexWriterImpl::MapToSchema(const Document& doc, MappedDocument* out) {
  {
    std::shared_lock<std::shared_mutex> lock(schema_mu_);
    Schema added;
    TRAWL_RETURN_IF_ERROR(MapDocument(doc, schema_, &added, out));
    if (added.empty()) return Status::OK();
  }
  // New fields. Another thread may have mapped some of them since, maybe to another type, so
  // the document is mapped again against the schema as it is now: of two documents bringing a
  // field at once, the first to get here gives it its type, and the other is mapped (or
  // refused) as if it had come after.
  std::unique_lock<std::shared_mutex> lock(schema_mu_);
  return MapDocument(doc, &schema_, out);
}

Status IndexWriterImpl::Delete(std::string_view id, bool* found) {
  std::unique_lock<std::mutex> lock(mu_);
  may_change_.wait(lock, [&] { return !committing_; });
  return DeleteLocked(id, found);
}

Status IndexWriterImpl::DeleteLocked(std::string_view id, bool* found) {
  bool any = false;
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

void IndexWriterImpl::WorkerLoop(Worker* w) {
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
      may_change_.notify_one();
    }
    Status s = AddToWorker(w, job);
    if (s.ok() && w->builder->memory_bytes() >= budget) s = FlushWorker(w);
    std::lock_guard<std::mutex> lock(mu_);
    if (!s.ok() && worker_error_.ok()) worker_error_ = s;
    --busy_;
    if (busy_ == 0 && queue_.empty()) idle_.notify_all();
  }
}

Status IndexWriterImpl::AddToWorker(Worker* w, const Job& job) {
  if (!w->builder) w->builder = std::make_unique<SegmentBuilder>(w->analyzers.get(), dir_, fs_);
  TRAWL_RETURN_IF_ERROR(w->builder->Add(job.doc));
  w->seqs.push_back(job.seq);
  return Status::OK();
}

std::string IndexWriterImpl::NewSegmentName() {
  const uint64_t number = manifest_.next_segment_number++;
  assert(std::all_of(segments_.begin(), segments_.end(), [&](const LiveSegment& s) {
    return SegmentNumber(s.entry.name) < number;
  }));
  return SegmentName(number);
}

// Writes a worker's builder as a new (uncommitted) segment. Called by the worker itself, or by
// the committing thread while every worker is idle.
Status IndexWriterImpl::FlushWorker(Worker* w) {
  if (!w->builder || w->builder->num_docs() == 0) return Status::OK();
  std::string name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    name = NewSegmentName();
  }
  SegmentStats stats;
  Status s = w->builder->Write(name, &stats);
  w->builder.reset();
  std::vector<uint64_t> seqs = std::move(w->seqs);
  w->seqs.clear();
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    RemoveSegmentFiles(name);
    return s;
  }
  LiveSegment seg;
  seg.entry.name = name;
  seg.entry.num_docs = stats.num_docs;
  seg.seqs = std::move(seqs);
  assert(seg.seqs.size() == seg.entry.num_docs);
  seg.deleted.reset(roaring_bitmap_create());
  s = SegmentReader::Open(dir_, name, /*verify_checksums=*/false, &seg.reader, fs_);
  std::lock_guard<std::mutex> lock(mu_);
  if (!s.ok()) {
    RemoveSegmentFiles(name);
    return s;
  }
  segments_.push_back(std::move(seg));
  return Status::OK();
}

// Waits until every queued document is in a builder, then writes every builder.
Status IndexWriterImpl::FlushAll() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [&] { return queue_.empty() && busy_ == 0; });
    TRAWL_RETURN_IF_ERROR(worker_error_);
  }
  for (auto& w : workers_) TRAWL_RETURN_IF_ERROR(FlushWorker(w.get()));
  return Status::OK();
}

void IndexWriterImpl::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  not_empty_.notify_all();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

// --- committing ---

class IndexWriterImpl::ChangesPaused {
 public:
  explicit ChangesPaused(IndexWriterImpl* writer) : writer_(writer) {
    std::lock_guard<std::mutex> lock(writer_->mu_);
    assert(!writer_->committing_);
    writer_->committing_ = true;
  }
  ~ChangesPaused() {
    {
      std::lock_guard<std::mutex> lock(writer_->mu_);
      writer_->committing_ = false;
    }
    writer_->may_change_.notify_all();
  }
  ChangesPaused(const ChangesPaused&) = delete;
  ChangesPaused& operator=(const ChangesPaused&) = delete;

 private:
  IndexWriterImpl* const writer_;
};

// Changes are paused for the whole commit, not only while the batch is cut: adds and deletes
// made during it would look ids up in segments that its merges replace. A commit is mostly
// writing the last builders and merging; an indexing program commits rarely.
Status IndexWriterImpl::Commit() {
  std::lock_guard<std::mutex> serial(commit_mu_);
  ChangesPaused paused(this);
  return CommitPaused();
}

Status IndexWriterImpl::CommitPaused() {
  TRAWL_RETURN_IF_ERROR(CheckLock());
  TRAWL_RETURN_IF_ERROR(FlushAll());
  std::lock_guard<std::mutex> lock(mu_);
  assert(queue_.empty() && busy_ == 0);
  ApplyBatchDeletes();
  TRAWL_RETURN_IF_ERROR(MergeTiers());
  Manifest next = manifest_;
  next.generation = manifest_.generation + 1;
  {
    std::shared_lock<std::shared_mutex> schema_lock(schema_mu_);
    next.schema = schema_;
  }
  TRAWL_RETURN_IF_ERROR(WriteDeletionFiles(&next));
  // New files were fsynced when written; their directory entries become durable here.
  TRAWL_RETURN_IF_ERROR(fs_->SyncDirectory(dir_));
  // Again, right before the manifest: flushes and merges take time.
  TRAWL_RETURN_IF_ERROR(CheckLock());
  TRAWL_RETURN_IF_ERROR(CheckNoNewerCommit());
  TRAWL_RETURN_IF_ERROR(WriteManifest(dir_, next, fs_));
  InstallCommit(std::move(next));
  DropOldCommits();
  return Status::OK();
}

Status IndexWriterImpl::Optimize() {
  std::lock_guard<std::mutex> serial(commit_mu_);
  ChangesPaused paused(this);
  TRAWL_RETURN_IF_ERROR(CheckLock());
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
  return CommitPaused();
}

// Turns deletions of this batch's documents (by add sequence) into segment deletions.
void IndexWriterImpl::ApplyBatchDeletes() {
  if (deleted_seqs_.empty()) return;
  for (LiveSegment& seg : segments_) {
    assert(seg.seqs.empty() || seg.seqs.size() == seg.entry.num_docs);
    for (uint32_t d = 0; d < seg.seqs.size(); ++d) {
      if (deleted_seqs_.count(seg.seqs[d]) && roaring_bitmap_add_checked(seg.deleted.get(), d))
        seg.dirty = true;
    }
  }
}

// Tiered merging, in the manner of Lucene's LogMergePolicy: merges what PickMerge chooses until
// it chooses nothing.
Status IndexWriterImpl::MergeTiers() {
  if (options_.merge_factor < 2) return Status::OK();
  for (std::vector<size_t> pick = PickMerge(); !pick.empty(); pick = PickMerge())
    TRAWL_RETURN_IF_ERROR(MergeInto(pick));
  return Status::OK();
}

// A segment's level is log_F(live documents), with segments under kMergeFloorDocs counted at
// the floor so that small flushes of any size bucket together. Scanning from the oldest
// segment, a bucket is the run up to the last segment within 0.75 levels of the run's largest,
// and the first F adjacent segments of a bucket with F or more are picked. The number of
// segments stays logarithmic in the index size, each document is rewritten O(log n) times, and
// since only adjacent segments merge, documents keep the order they were added in (ties in
// ranking break the same way as in a fresh index). Failing that, a segment with over a fifth of
// its documents deleted is picked on its own, to reclaim the space.
std::vector<size_t> IndexWriterImpl::PickMerge() const {
  const uint32_t factor = options_.merge_factor;
  constexpr uint64_t kMergeFloorDocs = 1000;
  const double log_factor = std::log(static_cast<double>(factor));
  const double floor_level = std::log(static_cast<double>(kMergeFloorDocs)) / log_factor;
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
  return pick;
}

// Replaces the adjacent segments_[pick...] (ascending indexes) by their merge.
Status IndexWriterImpl::MergeInto(const std::vector<size_t>& pick) {
  assert(!pick.empty() && pick.back() - pick.front() + 1 == pick.size());
  std::vector<MergeInput> inputs;
  for (size_t i : pick) inputs.push_back({segments_[i].reader.get(), segments_[i].deleted.get()});
  const std::string name = NewSegmentName();
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
    s = SegmentReader::Open(dir_, name, /*verify_checksums=*/false, &merged.reader, fs_);
    if (!s.ok()) {
      RemoveSegmentFiles(name);
      return s;
    }
  } else {
    RemoveSegmentFiles(name);
  }
  const size_t at = pick.front();
  for (size_t k = pick.size(); k-- > 0;) segments_.erase(segments_.begin() + pick[k]);
  if (stats.num_docs > 0) segments_.insert(segments_.begin() + at, std::move(merged));
  return Status::OK();
}

// Writes the deletion file of every segment whose deletions changed, and lists in `next` the
// segments the commit keeps: those with a live document.
Status IndexWriterImpl::WriteDeletionFiles(Manifest* next) {
  next->segments.clear();
  for (LiveSegment& seg : segments_) {
    if (seg.dirty) {
      const std::string path = dir_ + "/" + DeletesFileName(seg.entry.name, next->generation);
      // Left by a failed attempt at this commit; if it cannot be removed (or is not this
      // writer's to remove), creating it fails.
      if (tracking_->Created(path)) (void)fs_->RemoveFile(path);
      TRAWL_RETURN_IF_ERROR(WriteDeletes(path, seg.deleted.get(), fs_));
      seg.entry.deletes = DeletesFileName(seg.entry.name, next->generation);
      seg.entry.num_deleted =
          static_cast<uint32_t>(roaring_bitmap_get_cardinality(seg.deleted.get()));
    }
    assert(seg.entry.num_deleted <= seg.entry.num_docs);
    if (seg.entry.num_deleted == seg.entry.num_docs) continue;
    next->segments.push_back(seg.entry);
  }
  return Status::OK();
}

// Makes `next`, now durable, the writer's commit.
void IndexWriterImpl::InstallCommit(Manifest next) {
  assert(next.generation == manifest_.generation + 1);
  assert(next.next_segment_number >= manifest_.next_segment_number);
  uint64_t live = 0;
  for (const ManifestSegment& seg : next.segments) live += seg.num_docs - seg.num_deleted;
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
  committed_docs_.store(live, std::memory_order_relaxed);
  buffered_.store(0, std::memory_order_relaxed);
}

// Keeps the newest options_.keep_commits manifests, then removes files none of them needs:
// those of dropped commits, and segments this commit merged away before any commit had them.
// The commit is durable already, so nothing here can fail it: whatever is left behind is
// unreferenced, and the next commit or writer removes it.
void IndexWriterImpl::DropOldCommits() {
  std::vector<uint64_t> generations;
  if (!ListManifestGenerations(dir_, &generations, fs_).ok()) return;
  const size_t keep = std::max<uint32_t>(1, options_.keep_commits);
  if (generations.size() > keep) {
    for (size_t i = 0; i + keep < generations.size(); ++i) {
      assert(generations[i] < manifest_.generation);
      (void)fs_->RemoveFile(ManifestPath(dir_, generations[i]));
    }
    // The manifests must be gone for good before their files go: after a crash, a manifest
    // that came back would name files that did not.
    if (!fs_->SyncDirectory(dir_).ok()) return;
  }
  (void)RemoveUnreferencedFiles();
}

// Segment and deletion files that no manifest references were written by a writer that died
// before its commit, or belong to commits no longer kept: no reader can open them any more.
Status IndexWriterImpl::RemoveUnreferencedFiles() {
  // Listed before the manifests are read: a file that a commit made meanwhile references is
  // then seen as referenced.
  std::vector<std::string> names;
  TRAWL_RETURN_IF_ERROR(fs_->GetChildren(dir_, &names));
  std::set<std::string> referenced;
  Status s = ManifestReferences(&referenced);
  // A manifest that cannot be read (damaged, too new, gone meanwhile) may name any file:
  // remove nothing, and let the open go on, since the newest commit was read already. An
  // operating system's refusal is reported.
  if (s.code() == Status::Code::kIOError) return s;
  if (!s.ok()) return Status::OK();
  // Uncommitted segments of this writer are in use too.
  for (const LiveSegment& seg : segments_)
    for (const SegmentFile& f : kSegmentFiles)
      referenced.insert(seg.entry.name + std::string(f.suffix));
  for (const std::string& name : names) {
    if (!IsSegmentFileName(name) || referenced.count(name)) continue;
    assert(!ReferencedByWriter(name));
    s = fs_->RemoveFile(dir_ + "/" + name);
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  return Status::OK();
}

Status IndexWriterImpl::ManifestReferences(std::set<std::string>* referenced) {
  std::vector<uint64_t> generations;
  TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir_, &generations, fs_));
  for (uint64_t g : generations) {
    Manifest m;
    TRAWL_RETURN_IF_ERROR(ReadManifest(dir_, g, &m, fs_));
    for (const auto& seg : m.segments) {
      for (const SegmentFile& f : kSegmentFiles)
        referenced->insert(seg.name + std::string(f.suffix));
      if (!seg.deletes.empty()) referenced->insert(seg.deletes);
    }
  }
  return Status::OK();
}

// Best effort: the files of a segment that failed to be written (any left behind are removed
// when the next writer opens). Only files this writer created: a failure to create one may
// mean another writer made it (after the lock file was removed by hand), and the manifests
// are read again in case that writer committed it. Called with mu_ held.
void IndexWriterImpl::RemoveSegmentFiles(const std::string& name) {
  assert(std::none_of(segments_.begin(), segments_.end(),
                      [&](const LiveSegment& s) { return s.entry.name == name; }));
  std::set<std::string> referenced;
  if (!ManifestReferences(&referenced).ok()) return;  // cannot tell what is whose: keep all
  for (const SegmentFile& f : kSegmentFiles) {
    const std::string file_name = name + std::string(f.suffix);
    const std::string path = SegmentFilePath(dir_, name, f);
    if (!tracking_->Created(path) || referenced.count(file_name)) continue;
    assert(!ReferencedByWriter(file_name));
    (void)fs_->RemoveFile(path);
  }
}

// Whether the last commit or a segment of this writer needs the file. For assertions.
bool IndexWriterImpl::ReferencedByWriter(std::string_view file_name) const {
  for (const ManifestSegment& seg : manifest_.segments)
    if (IsFileOf(seg, file_name)) return true;
  for (const LiveSegment& seg : segments_)
    if (IsFileOf(seg.entry, file_name)) return true;
  return false;
}

IndexWriter::~IndexWriter() = default;

Status IndexWriter::Open(const std::string& dir, const IndexWriterOptions& options,
                         std::unique_ptr<IndexWriter>* out) {
  auto writer = std::make_unique<IndexWriterImpl>();
  TRAWL_RETURN_IF_ERROR(writer->Init(dir, options));
  *out = std::move(writer);
  return Status::OK();
}

}  // namespace trawl
