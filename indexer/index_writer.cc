// The single writer of an index directory: lock, buffer, flush segments, commit.
#include "trawl/index_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "common/analyzer.h"
#include "common/file_format.h"
#include "common/manifest.h"
#include "common/segment_format.h"
#include "indexer/segment_builder.h"

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

bool IsSegmentFile(std::string_view name, std::string* segment) {
  for (const SegmentFile& f : kSegmentFiles) {
    if (name.size() > f.suffix.size() && name.ends_with(f.suffix)) {
      *segment = std::string(name.substr(0, name.size() - f.suffix.size()));
      return segment->rfind("seg_", 0) == 0;
    }
  }
  return false;
}

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
    for (const auto& seg : manifest_.segments) committed_docs_ += seg.num_docs;
    return RemoveUnreferencedSegmentFiles();
  }

  Status Add(const Document& doc) override {
    if (!builder_) builder_ = std::make_unique<SegmentBuilder>(analyzer_.get());
    TRAWL_RETURN_IF_ERROR(builder_->Add(doc));
    ++buffered_;
    if (builder_->memory_bytes() >= options_.memory_budget_bytes) return FlushSegment();
    return Status::OK();
  }

  Status Commit() override {
    TRAWL_RETURN_IF_ERROR(FlushSegment());
    Manifest next = manifest_;
    next.generation = manifest_.generation + 1;
    for (const auto& seg : pending_) next.segments.push_back(seg);
    // Segment files were fsynced when written; the directory entries become durable here.
    TRAWL_RETURN_IF_ERROR(SyncDirectory(dir_));
    TRAWL_RETURN_IF_ERROR(WriteManifest(dir_, next));
    manifest_ = std::move(next);
    for (const auto& seg : pending_) committed_docs_ += seg.num_docs;
    pending_.clear();
    buffered_ = 0;
    return Status::OK();
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
    if (!s.ok()) {
      RemoveSegmentFiles(name);
      return s;
    }
    pending_.push_back({name, stats.num_docs});
    return Status::OK();
  }

  void RemoveSegmentFiles(const std::string& name) {
    for (const SegmentFile& f : kSegmentFiles) ::unlink(SegmentFilePath(dir_, name, f).c_str());
  }

  // Segment files that no manifest references were written by a writer that died before its
  // commit; no reader can ever have seen them, so they are safe to delete.
  Status RemoveUnreferencedSegmentFiles() {
    std::vector<uint64_t> generations;
    TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir_, &generations));
    std::set<std::string> referenced;
    for (uint64_t g : generations) {
      Manifest m;
      if (!ReadManifest(dir_, g, &m).ok()) return Status::OK();  // be conservative
      for (const auto& seg : m.segments) referenced.insert(seg.name);
    }
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return Status::IOError(dir_ + ": " + std::strerror(errno));
    std::vector<std::string> doomed;
    while (struct dirent* e = ::readdir(d)) {
      std::string segment;
      if (IsSegmentFile(e->d_name, &segment) && !referenced.count(segment))
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
  std::vector<ManifestSegment> pending_;
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
