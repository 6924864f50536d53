// The single writer of an index directory: lock, buffer, flush segments, commit.
#include "trawl/index_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include <roaring/roaring.h>

#include <unordered_map>

#include "common/analyzer.h"
#include "common/deletes.h"
#include "common/file_format.h"
#include "common/manifest.h"
#include "common/segment_format.h"
#include "indexer/segment_builder.h"
#include "indexer/segment_merger.h"
#include "searcher/segment_reader.h"

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
    const std::string path = dir + "/LOCK";
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
// id lookups; `deleted` is the deletion set the next commit will record.
struct LiveSegment {
  ManifestSegment entry;
  std::unique_ptr<SegmentReader> reader;
  RoaringPtr deleted;
  bool dirty = false;
};

class IndexWriterImpl final : public IndexWriter {
 public:
  Status Init(const std::string& dir, const IndexWriterOptions& options) {
    dir_ = dir;
    options_ = options;
    TRAWL_RETURN_IF_ERROR(MakeDirectory(dir));
    TRAWL_RETURN_IF_ERROR(lock_.Acquire(dir));
    Status s = ReadLatestManifest(dir, &manifest_);
    if (s.IsNotFound()) {
      manifest_ = Manifest();
      manifest_.analyzer.language = options.language;
      manifest_.analyzer.stopwords = options.stopwords;
      manifest_.analyzer.max_token_chars = options.max_token_chars;
    } else if (!s.ok()) {
      return s;
    }
    TRAWL_RETURN_IF_ERROR(Analyzer::Create(manifest_.analyzer, &analyzer_));
    for (const auto& entry : manifest_.segments) {
      LiveSegment seg;
      seg.entry = entry;
      TRAWL_RETURN_IF_ERROR(SegmentReader::Open(dir_, entry.name, /*verify_checksums=*/false, &seg.reader));
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
    builder_deleted_.reset(roaring_bitmap_create());
    return RemoveUnreferencedFiles();
  }

  Status Add(const Document& doc) override {
    TRAWL_RETURN_IF_ERROR(Delete(doc.id, nullptr));
    if (!builder_) builder_ = std::make_unique<SegmentBuilder>(analyzer_.get());
    const uint32_t local = builder_->num_docs();
    TRAWL_RETURN_IF_ERROR(builder_->Add(doc));
    builder_ids_[doc.id] = local;
    ++buffered_;
    if (builder_->memory_bytes() >= options_.memory_budget_bytes) return FlushSegment();
    return Status::OK();
  }

  Status Delete(std::string_view id, bool* found) override {
    bool any = false;
    for (LiveSegment& seg : segments_) {
      if (seg.reader->FieldId(kIdField) != 0) continue;
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
    auto it = builder_ids_.find(std::string(id));
    if (it != builder_ids_.end()) {
      roaring_bitmap_add(builder_deleted_.get(), it->second);
      builder_ids_.erase(it);
      any = true;
    }
    if (found != nullptr) *found = any;
    return Status::OK();
  }

  Status Commit() override {
    TRAWL_RETURN_IF_ERROR(FlushSegment());
    Manifest next = manifest_;
    next.generation = manifest_.generation + 1;
    next.segments.clear();
    uint64_t live = 0;
    for (LiveSegment& seg : segments_) {
      if (seg.dirty) {
        const std::string name = seg.entry.name + ".del." + std::to_string(next.generation);
        ::unlink((dir_ + "/" + name).c_str());  // left by a failed attempt at this commit
        TRAWL_RETURN_IF_ERROR(WriteDeletes(dir_ + "/" + name, seg.deleted.get()));
        seg.entry.deletes = name;
        seg.entry.num_deleted = static_cast<uint32_t>(roaring_bitmap_get_cardinality(seg.deleted.get()));
      }
      // A segment whose every document is deleted leaves the index.
      if (seg.entry.num_deleted == seg.entry.num_docs) continue;
      next.segments.push_back(seg.entry);
      live += seg.entry.num_docs - seg.entry.num_deleted;
    }
    // New files were fsynced when written; their directory entries become durable here.
    TRAWL_RETURN_IF_ERROR(SyncDirectory(dir_));
    TRAWL_RETURN_IF_ERROR(WriteManifest(dir_, next));
    manifest_ = std::move(next);
    for (LiveSegment& seg : segments_) seg.dirty = false;
    TRAWL_RETURN_IF_ERROR(DropOldCommits());
    std::erase_if(segments_, [](const LiveSegment& s) { return s.entry.num_deleted == s.entry.num_docs; });
    committed_docs_ = live;
    buffered_ = 0;
    return Status::OK();
  }

  Status Optimize() override {
    TRAWL_RETURN_IF_ERROR(FlushSegment());
    bool any_deleted = false;
    for (const LiveSegment& seg : segments_)
      any_deleted |= !roaring_bitmap_is_empty(seg.deleted.get());
    if (segments_.size() <= 1 && !any_deleted) return Commit();
    std::vector<MergeInput> inputs;
    for (const LiveSegment& seg : segments_) inputs.push_back({seg.reader.get(), seg.deleted.get()});
    const std::string name = "seg_" + std::to_string(manifest_.next_segment_number++);
    SegmentStats stats;
    Status s = MergeSegments(inputs, analyzer_.get(), dir_, name, &stats);
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
    segments_.clear();
    if (stats.num_docs > 0) segments_.push_back(std::move(merged));
    return Commit();
  }

  uint64_t buffered_documents() const override { return buffered_; }
  uint64_t committed_documents() const override { return committed_docs_; }

 private:
  Status FlushSegment() {
    if (!builder_ || builder_->num_docs() == 0) return Status::OK();
    const std::string name = "seg_" + std::to_string(manifest_.next_segment_number++);
    SegmentStats stats;
    Status s = builder_->Write(dir_, name, &stats);
    builder_.reset();
    builder_ids_.clear();
    if (!s.ok()) {
      RemoveSegmentFiles(name);
      return s;
    }
    LiveSegment seg;
    seg.entry.name = name;
    seg.entry.num_docs = stats.num_docs;
    TRAWL_RETURN_IF_ERROR(SegmentReader::Open(dir_, name, /*verify_checksums=*/false, &seg.reader));
    seg.deleted = std::move(builder_deleted_);
    seg.dirty = !roaring_bitmap_is_empty(seg.deleted.get());
    builder_deleted_.reset(roaring_bitmap_create());
    segments_.push_back(std::move(seg));
    return Status::OK();
  }

  // Keeps the newest options_.keep_commits manifests, then removes files none of them needs.
  Status DropOldCommits() {
    std::vector<uint64_t> generations;
    TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir_, &generations));
    const size_t keep = std::max<uint32_t>(1, options_.keep_commits);
    if (generations.size() <= keep) return Status::OK();
    for (size_t i = 0; i + keep < generations.size(); ++i)
      ::unlink(ManifestPath(dir_, generations[i]).c_str());
    TRAWL_RETURN_IF_ERROR(SyncDirectory(dir_));
    return RemoveUnreferencedFiles();
  }

  void RemoveSegmentFiles(const std::string& name) {
    for (const SegmentFile& f : kSegmentFiles) ::unlink(SegmentFilePath(dir_, name, f).c_str());
  }

  // Segment and deletion files that no manifest references were written by a writer that died
  // before its commit; no reader can ever have seen them, so they are safe to delete.
  Status RemoveUnreferencedFiles() {
    std::vector<uint64_t> generations;
    TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir_, &generations));
    std::set<std::string> referenced;
    for (uint64_t g : generations) {
      Manifest m;
      if (!ReadManifest(dir_, g, &m).ok()) return Status::OK();  // be conservative
      for (const auto& seg : m.segments) {
        for (const SegmentFile& f : kSegmentFiles) referenced.insert(seg.name + std::string(f.suffix));
        if (!seg.deletes.empty()) referenced.insert(seg.deletes);
      }
    }
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return Status::IOError(dir_ + ": " + std::strerror(errno));
    std::vector<std::string> doomed;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name.starts_with("seg_") && !referenced.count(std::string(name)))
        doomed.push_back(dir_ + "/" + e->d_name);
    }
    ::closedir(d);
    for (const auto& path : doomed) ::unlink(path.c_str());
    return Status::OK();
  }

  std::string dir_;
  IndexWriterOptions options_;
  DirectoryLock lock_;
  Manifest manifest_;
  std::unique_ptr<Analyzer> analyzer_;
  std::unique_ptr<SegmentBuilder> builder_;
  std::unordered_map<std::string, uint32_t> builder_ids_;  // id -> docid in builder_
  RoaringPtr builder_deleted_;
  std::vector<LiveSegment> segments_;
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
