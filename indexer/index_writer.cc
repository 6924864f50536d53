// The single writer of an index directory: lock, buffer, flush segments, commit.
#include "trawl/index_writer.h"

#include <roaring/roaring.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <set>
#include <thread>

#include "format/deletes.h"
#include "format/file_names.h"
#include "format/segment_format.h"
#include "indexer/index_writer_impl.h"
#include "indexer/segment_merger.h"
#include "trawl/merge_policy.h"

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

// A name is recorded before its file exists: a merge's commit lists the directory while
// workers create their stores, and a file it lists must already be known as this writer's, or
// the commit's cleanup removes it as unreferenced.
Status TrackingFileSystem::NewWritableFile(const std::string& path,
                                           std::unique_ptr<WritableFile>* out) {
  bool known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    known = !created_.insert(path).second;
  }
  Status s = FileSystemWrapper::NewWritableFile(path, out);
  if (!s.ok() && !known) {
    std::lock_guard<std::mutex> lock(mu_);
    created_.erase(path);
  }
  return s;
}

Status TrackingFileSystem::RenameFile(const std::string& from, const std::string& to) {
  bool ours, known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ours = created_.count(from) > 0;
    known = !ours || !created_.insert(to).second;
  }
  Status s = FileSystemWrapper::RenameFile(from, to);
  std::lock_guard<std::mutex> lock(mu_);
  if (s.ok()) {
    if (ours) created_.erase(from);
  } else if (!known) {
    created_.erase(to);
  }
  return s;
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

// A running merge is cancelled, not waited for (include/trawl/index_writer.h says why).
IndexWriterImpl::~IndexWriterImpl() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_merging_ = true;
  }
  cancel_merge_.store(true);
  merge_wake_.notify_all();
  if (merge_thread_.joinable()) merge_thread_.join();
  StopWorkers();
  if (lock_ != nullptr) (void)fs_->UnlockFile(std::move(lock_));
}

Status IndexWriterImpl::Init(const std::string& dir, const IndexWriterOptions& options) {
  dir_ = dir;
  options_ = options;
  if (options_.store_block_bytes < kMinStoreBlockBytes ||
      options_.store_block_bytes > kMaxStoreBlockBytes) {
    return Status::InvalidArgument("store_block_bytes must be between " +
                                   std::to_string(kMinStoreBlockBytes) + " and " +
                                   std::to_string(kMaxStoreBlockBytes) + ", not " +
                                   std::to_string(options_.store_block_bytes));
  }
  for (const auto& [name, level] :
       {std::pair<const char*, int>{"store_zstd_level", options_.store_zstd_level},
        {"store_large_value_zstd_level", options_.store_large_value_zstd_level}}) {
    if (level < 1 || level > kMaxStoreZstdLevel) {
      return Status::InvalidArgument(std::string(name) + " must be between 1 and " +
                                     std::to_string(kMaxStoreZstdLevel) + ", not " +
                                     std::to_string(level));
    }
  }
  store_compression_ = {options_.store_zstd_level, options_.store_block_bytes,
                        options_.store_large_value_zstd_level};
  tracking_ = std::make_unique<TrackingFileSystem>(options.file_system);
  fs_ = tracking_.get();
  if (options_.merge_policy != nullptr) {
    policy_ = options_.merge_policy.get();
  } else {
    TieredMergeOptions tiers;
    tiers.segments_per_tier = options_.merge_factor;
    default_policy_ = std::make_unique<TieredMergePolicy>(tiers);
    policy_ = default_policy_.get();
  }
  TRAWL_RETURN_IF_ERROR(fs_->CreateDir(dir_));
  // Before locking, which would leave a LOCK file among the user's files.
  TRAWL_RETURN_IF_ERROR(CheckDirectory());
  TRAWL_RETURN_IF_ERROR(LockDirectory());
  TRAWL_RETURN_IF_ERROR(LoadCommit());
  // Files of a writer that died or failed before its commit carry segment numbers this writer
  // is about to use again (the failed commit never recorded them), so they must go first.
  TRAWL_RETURN_IF_ERROR(RemoveUnreferencedFiles());
  TRAWL_RETURN_IF_ERROR(StartWorkers());
  // Merges follow commits: a writer that only opens an index (to search it, back it up, delete
  // a few ids) does not start rewriting it.
  if (options_.merge_in_background) merge_thread_ = std::thread([this] { MergeLoop(); });
  return Status::OK();
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
    std::unique_ptr<SegmentReader> reader;
    TRAWL_RETURN_IF_ERROR(
        SegmentReader::Open(dir_, entry.name, /*verify_checksums=*/false, &reader, fs_));
    seg.reader = std::move(reader);
    roaring_bitmap_t* deleted = nullptr;
    if (entry.deletes.empty()) {
      deleted = roaring_bitmap_create();
    } else {
      TRAWL_RETURN_IF_ERROR(ReadDeletes(dir_ + "/" + entry.deletes, entry.num_docs,
                                        entry.num_deleted, &deleted, fs_));
    }
    seg.deleted.reset(deleted);
    seg.committed_deleted.reset(roaring_bitmap_copy(deleted));
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
      if (queue_.size() <= kQueueRefillAt) may_change_.notify_all();
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
  if (!w->builder) {
    w->builder = std::make_unique<SegmentBuilder>(w->analyzers.get(), dir_, fs_);
    w->builder->set_store_compression(store_compression_);
  }
  TRAWL_RETURN_IF_ERROR(w->builder->Add(job.doc));
  w->seqs.push_back(job.seq);
  return Status::OK();
}

std::string IndexWriterImpl::NewSegmentName() {
  const uint64_t number = manifest_.next_segment_number++;
  assert(std::all_of(segments_.begin(), segments_.end(), [&](const LiveSegment& s) {
    return SegmentNumber(s.entry.name) < number;
  }));
  std::string name = SegmentName(number);
  writing_.insert(name);
  return name;
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
  std::unique_ptr<SegmentReader> reader;
  s = SegmentReader::Open(dir_, name, /*verify_checksums=*/false, &reader, fs_);
  seg.reader = std::move(reader);
  std::lock_guard<std::mutex> lock(mu_);
  if (!s.ok()) {
    RemoveSegmentFiles(name);
    return s;
  }
  writing_.erase(name);
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

class IndexWriterImpl::MergesPaused {
 public:
  explicit MergesPaused(IndexWriterImpl* writer) : writer_(writer) {
    std::unique_lock<std::mutex> lock(writer_->mu_);
    ++writer_->merges_paused_;
    writer_->merge_idle_.wait(lock, [&] { return !writer_->merge_running_; });
  }
  ~MergesPaused() {
    {
      std::lock_guard<std::mutex> lock(writer_->mu_);
      --writer_->merges_paused_;
      writer_->merge_wanted_ = true;
    }
    writer_->merge_wake_.notify_all();
  }
  MergesPaused(const MergesPaused&) = delete;
  MergesPaused& operator=(const MergesPaused&) = delete;

 private:
  IndexWriterImpl* const writer_;
};

// Changes are paused for the whole commit, not only while the batch is cut: adds and deletes
// made during it would look ids up in segments that its merges (inside Commit) replace. A
// commit is mostly writing the last builders (and merging, with merges inside Commit); an
// indexing program commits rarely.
Status IndexWriterImpl::Commit() {
  std::lock_guard<std::mutex> serial(commit_mu_);
  ChangesPaused paused(this);
  return CommitPaused();
}

Status IndexWriterImpl::CommitPaused() {
  TRAWL_RETURN_IF_ERROR(CheckLock());
  TRAWL_RETURN_IF_ERROR(FlushAll());
  {
    std::lock_guard<std::mutex> lock(mu_);
    assert(queue_.empty() && busy_ == 0);
    ApplyBatchDeletes();
    if (!options_.merge_in_background) TRAWL_RETURN_IF_ERROR(MergeTiers());
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
  }
  DropOldCommits();
  WakeMerges();
  return Status::OK();
}

Status IndexWriterImpl::Optimize() {
  MergesPaused no_merges(this);
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

// Merges inside Commit: what the policy picks among every segment, until it picks nothing.
// Each merge lowers the segment count or drops deleted documents, so this ends.
Status IndexWriterImpl::MergeTiers() {
  for (std::vector<size_t> pick = PickMerge(false); !pick.empty(); pick = PickMerge(false))
    TRAWL_RETURN_IF_ERROR(MergeInto(pick));
  return Status::OK();
}

std::vector<size_t> IndexWriterImpl::PickMerge(bool committed_only) const {
  std::vector<SegmentSummary> summaries;
  for (const LiveSegment& seg : segments_) {
    // Uncommitted segments come last: committed ones are a prefix.
    if (committed_only && seg.committed_deleted == nullptr) break;
    const roaring_bitmap_t* deleted =
        committed_only ? seg.committed_deleted.get() : seg.deleted.get();
    SegmentSummary summary;
    summary.name = seg.entry.name;
    summary.num_docs = seg.entry.num_docs;
    summary.num_deleted = roaring_bitmap_get_cardinality(deleted);
    summary.merging = seg.merging;
    summaries.push_back(std::move(summary));
  }
  MergeSpec spec;
  try {
    spec = policy_->FindMerge(summaries);
  } catch (...) {
    return {};  // a policy that throws merges nothing
  }
  const size_t n = summaries.size();
  if (spec.empty() || spec.first >= n || spec.count > n - spec.first) return {};
  if (spec.count == 1 && summaries[spec.first].num_deleted == 0) return {};
  std::vector<size_t> pick;
  for (size_t k = spec.first; k < spec.first + spec.count; ++k) {
    if (summaries[k].merging) return {};
    pick.push_back(k);
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
  Status s = MergeSegments(inputs, dir_, name, &stats, fs_, nullptr, store_compression_);
  if (!s.ok()) {
    RemoveSegmentFiles(name);
    return s;
  }
  LiveSegment merged;
  merged.entry.name = name;
  merged.entry.num_docs = stats.num_docs;
  merged.deleted.reset(roaring_bitmap_create());
  if (stats.num_docs > 0) {
    std::unique_ptr<SegmentReader> reader;
    s = SegmentReader::Open(dir_, name, /*verify_checksums=*/false, &reader, fs_);
    if (!s.ok()) {
      RemoveSegmentFiles(name);
      return s;
    }
    merged.reader = std::move(reader);
    writing_.erase(name);
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
    if (seg.dirty || seg.committed_deleted == nullptr)
      seg.committed_deleted.reset(roaring_bitmap_copy(seg.deleted.get()));
    seg.dirty = false;
    seg.seqs.clear();
  }
  // A merge's input stays until the merge ends, so that the merge finds it.
  std::erase_if(segments_, [](const LiveSegment& s) {
    return s.entry.num_deleted == s.entry.num_docs && !s.merging;
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

// --- merging in the background ---

namespace {

// The position of segment `name` in `segments`.
size_t FindSegment(const std::vector<LiveSegment>& segments, const std::string& name) {
  for (size_t i = 0; i < segments.size(); ++i)
    if (segments[i].entry.name == name) return i;
  assert(false && "a merge's input left the writer");
  return segments.size();
}

// Adds to `out` the deletions `now` of a merge's inputs (segments[at...], as `committed_deleted`
// or `deleted` says) renumbered as in the merged segment: the merge dropped `dropped`, and kept
// the other documents in order, input after input.
void MapDeletions(const std::vector<LiveSegment>& segments, size_t at,
                  const std::vector<RoaringPtr>& dropped, bool committed, roaring_bitmap_t* out) {
  uint64_t base = 0;
  std::vector<uint32_t> docs;
  for (size_t i = 0; i < dropped.size(); ++i) {
    const LiveSegment& seg = segments[at + i];
    assert(seg.merging);
    const roaring_bitmap_t* now = committed ? seg.committed_deleted.get() : seg.deleted.get();
    RoaringPtr added(roaring_bitmap_andnot(now, dropped[i].get()));
    docs.resize(roaring_bitmap_get_cardinality(added.get()));
    roaring_bitmap_to_uint32_array(added.get(), docs.data());
    for (uint32_t d : docs) {
      // d itself was not dropped, so the rank counts the dropped documents before it.
      const uint64_t before = roaring_bitmap_rank(dropped[i].get(), d);
      roaring_bitmap_add(out, static_cast<uint32_t>(base + d - before));
    }
    base += seg.entry.num_docs - roaring_bitmap_get_cardinality(dropped[i].get());
  }
}

}  // namespace

void IndexWriterImpl::WakeMerges() {
  if (!options_.merge_in_background) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    merge_wanted_ = true;
  }
  merge_wake_.notify_all();
}

// One merge at a time: a merge is bounded by the disk rather than the processor, and the
// indexing threads need the cores.
void IndexWriterImpl::MergeLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    merge_wake_.wait(lock, [&] { return stop_merging_ || (merge_wanted_ && merges_paused_ == 0); });
    if (stop_merging_) return;
    const std::vector<size_t> pick = PickMerge(/*committed_only=*/true);
    if (pick.empty()) {
      merge_wanted_ = false;
      merge_idle_.notify_all();
      continue;
    }
    RunningMerge merge;
    StartMerge(pick, &merge);
    merge_running_ = true;
    lock.unlock();
    Status s = RunMerge(&merge);
    if (s.ok()) {
      std::lock_guard<std::mutex> serial(commit_mu_);
      s = cancel_merge_.load() ? Status::Cancelled("merge cancelled") : CommitMerge(&merge);
    }
    lock.lock();
    if (!s.ok()) {
      AbandonMerge(merge);
      // Retried after the next commit, not at once: the cause (a full disk) may well last.
      if (!s.IsCancelled()) {
        if (merge_error_.ok()) merge_error_ = s;
        merge_wanted_ = false;
      }
    }
    merge_running_ = false;
    merge_idle_.notify_all();
  }
}

void IndexWriterImpl::StartMerge(const std::vector<size_t>& pick, RunningMerge* merge) {
  for (size_t i : pick) {
    LiveSegment& seg = segments_[i];
    seg.merging = true;
    merge->names.push_back(seg.entry.name);
    merge->readers.push_back(seg.reader);
    // Committed deletions only: one made since the last commit must not reach readers before
    // its Commit, nor at all if the writer closes without one.
    merge->dropped.emplace_back(roaring_bitmap_copy(seg.committed_deleted.get()));
  }
  merge->output = NewSegmentName();
}

Status IndexWriterImpl::RunMerge(RunningMerge* merge) {
  std::vector<MergeInput> inputs;
  for (size_t i = 0; i < merge->readers.size(); ++i)
    inputs.push_back({merge->readers[i].get(), merge->dropped[i].get()});
  TRAWL_RETURN_IF_ERROR(
      MergeSegments(inputs, dir_, merge->output, &merge->stats, fs_, &cancel_merge_,
                    store_compression_));
  if (merge->stats.num_docs == 0) return Status::OK();
  std::unique_ptr<SegmentReader> reader;
  TRAWL_RETURN_IF_ERROR(
      SegmentReader::Open(dir_, merge->output, /*verify_checksums=*/false, &reader, fs_));
  merge->reader = std::move(reader);
  return Status::OK();
}

// The commit of a merge: the last commit with the inputs replaced by the merged segment, whose
// deletion file holds the deletions committed since the merge began. Deletions not committed yet
// stay pending on the merged segment, for the next Commit.
Status IndexWriterImpl::CommitMerge(RunningMerge* merge) {
  TRAWL_RETURN_IF_ERROR(CheckLock());
  RoaringPtr committed(roaring_bitmap_create());
  Manifest next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t at = FindSegment(segments_, merge->names.front());
    MapDeletions(segments_, at, merge->dropped, /*committed=*/true, committed.get());
    next = manifest_;
  }
  next.generation += 1;
  const uint64_t num_committed = roaring_bitmap_get_cardinality(committed.get());
  ManifestSegment entry;
  entry.name = merge->output;
  entry.num_docs = merge->stats.num_docs;
  entry.num_deleted = static_cast<uint32_t>(num_committed);
  const bool keep = entry.num_docs > num_committed;
  std::string deletes_path;
  if (keep && num_committed > 0) {
    entry.deletes = DeletesFileName(entry.name, next.generation);
    deletes_path = dir_ + "/" + entry.deletes;
  }
  std::vector<ManifestSegment> segments;
  bool placed = false;
  for (const ManifestSegment& seg : next.segments) {
    if (std::find(merge->names.begin(), merge->names.end(), seg.name) == merge->names.end()) {
      segments.push_back(seg);
    } else if (!placed) {
      placed = true;
      if (keep) segments.push_back(entry);
    }
  }
  assert(placed || !keep);
  next.segments = std::move(segments);
  Status s;
  if (!deletes_path.empty()) s = WriteDeletes(deletes_path, committed.get(), fs_);
  if (s.ok()) s = fs_->SyncDirectory(dir_);
  if (s.ok()) s = CheckLock();
  if (s.ok()) s = CheckNoNewerCommit();
  if (s.ok()) s = WriteManifest(dir_, next, fs_);
  if (!s.ok()) {
    if (!deletes_path.empty() && tracking_->Created(deletes_path))
      (void)fs_->RemoveFile(deletes_path);
    return s;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t at = FindSegment(segments_, merge->names.front());
    LiveSegment merged;
    merged.entry = entry;
    merged.reader = merge->reader;
    merged.deleted.reset(roaring_bitmap_create());
    MapDeletions(segments_, at, merge->dropped, /*committed=*/false, merged.deleted.get());
    merged.dirty = roaring_bitmap_get_cardinality(merged.deleted.get()) != num_committed;
    merged.committed_deleted = std::move(committed);
    segments_.erase(segments_.begin() + at, segments_.begin() + at + merge->names.size());
    if (keep) segments_.insert(segments_.begin() + at, std::move(merged));
    writing_.erase(merge->output);
    // Names given out since `next` was copied stay given out.
    const uint64_t next_number = std::max(manifest_.next_segment_number, next.next_segment_number);
    manifest_ = std::move(next);
    manifest_.next_segment_number = next_number;
  }
  DropOldCommits();
  return Status::OK();
}

void IndexWriterImpl::AbandonMerge(const RunningMerge& merge) {
  for (LiveSegment& seg : segments_)
    if (std::find(merge.names.begin(), merge.names.end(), seg.entry.name) != merge.names.end())
      seg.merging = false;
  // Inputs that a commit deleted wholly while they merged leave now.
  std::erase_if(segments_, [](const LiveSegment& s) {
    return s.committed_deleted != nullptr && s.entry.num_deleted == s.entry.num_docs &&
           !s.merging;
  });
  RemoveSegmentFiles(merge.output);
}

Status IndexWriterImpl::WaitForMerges() {
  if (!options_.merge_in_background) return Status::OK();
  std::unique_lock<std::mutex> lock(mu_);
  merge_idle_.wait(lock, [&] { return stop_merging_ || (!merge_running_ && !merge_wanted_); });
  Status s = std::move(merge_error_);
  merge_error_ = Status::OK();
  return s;
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
  // Segments of this writer are in use too (uncommitted, or being written by a worker or a
  // merge: such a file was listed only if its name was given out before the listing).
  {
    std::lock_guard<std::mutex> lock(mu_);
    AddWriterFiles(&referenced);
  }
  for (const std::string& name : names) {
    if (!IsSegmentFileName(name) || referenced.count(name)) continue;
    // The stored documents of a builder that is filling up (a merge commits while Add goes on).
    const std::string path = dir_ + "/" + name;
    if (name.starts_with(kPendingStorePrefix) && tracking_->Created(path)) continue;
    s = fs_->RemoveFile(path);
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
  writing_.erase(name);
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

void IndexWriterImpl::AddWriterFiles(std::set<std::string>* referenced) const {
  auto add = [&](const std::string& segment) {
    for (const SegmentFile& f : kSegmentFiles) referenced->insert(segment + std::string(f.suffix));
  };
  for (const LiveSegment& seg : segments_) add(seg.entry.name);
  for (const std::string& name : writing_) add(name);
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
