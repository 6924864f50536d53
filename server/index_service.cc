#include "server/index_service.h"

#include <utility>

#include "ingest/input_reader.h"

namespace trawl::serve {
namespace {

constexpr size_t kMaxReportedErrors = 20;

void Report(AddResult* result, std::string what) {
  ++result->skipped;
  if (result->errors.size() < kMaxReportedErrors) result->errors.push_back(std::move(what));
}

}  // namespace

Status IndexService::Open(const std::string& dir, uint64_t max_document_bytes,
                          std::unique_ptr<IndexService>* out) {
  std::unique_ptr<IndexService> service(new IndexService(dir, max_document_bytes));
  // The writer first: it creates the index (an empty first commit) that the searcher opens.
  TRAWL_RETURN_IF_ERROR(IndexWriter::Open(dir, IndexWriterOptions(), &service->writer_));
  Status opened = service->searchers_.Open(dir);
  if (opened.IsNotFound()) {
    // A new index has no commit until its first: make an empty one, as trawl-index does, so
    // that searches answer (with nothing) from the start.
    TRAWL_RETURN_IF_ERROR(service->writer_->Commit());
    opened = service->searchers_.Open(dir);
  }
  TRAWL_RETURN_IF_ERROR(opened);
  *out = std::move(service);
  return Status::OK();
}

Status IndexService::AddJsonl(std::string_view body, AddResult* result) {
  *result = AddResult();
  InputOptions options;
  options.skip_errors = true;
  options.max_document_bytes = max_document_bytes_;
  InputStats stats;
  std::lock_guard<std::mutex> lock(write_mutex_);
  Status s = ReadJsonlText("<request>", body, options, &stats, [&](Document&& doc) {
    const Status added = writer_->Add(doc);
    if (added.IsInvalidArgument()) {
      Report(result, "document '" + doc.id + "': " + added.message());
      return Status::OK();
    }
    TRAWL_RETURN_IF_ERROR(added);
    ++result->added;
    ++pending_;
    return Status::OK();
  });
  // Lines the reader refused: their messages name the line ("<request>:3: missing \"id\"").
  const uint64_t bad_lines = stats.skipped_bad_json + stats.skipped_bad_encoding +
                             stats.skipped_too_large;
  result->skipped += bad_lines;
  for (const std::string& message : stats.messages) {
    if (result->errors.size() >= kMaxReportedErrors) break;
    result->errors.push_back(message);
  }
  return s;
}

Status IndexService::Delete(std::string_view id, bool* found) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  TRAWL_RETURN_IF_ERROR(writer_->Delete(id, found));
  ++pending_;
  return Status::OK();
}

Status IndexService::Commit(CommitResult* result) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  TRAWL_RETURN_IF_ERROR(writer_->Commit());
  pending_ = 0;
  // Under the write lock, so that no other commit comes between and the generation answered is
  // this commit's.
  TRAWL_RETURN_IF_ERROR(searchers_.Refresh());
  const std::shared_ptr<const Searcher> searcher = searchers_.Acquire();
  result->generation = searcher->generation();
  result->documents = writer_->committed_documents();
  return Status::OK();
}

uint64_t IndexService::pending() const {
  std::lock_guard<std::mutex> lock(write_mutex_);
  return pending_;
}

Status IndexService::Stats(IndexStats* out) const {
  *out = IndexStats();
  CommitFiles files;
  {
    // Only this server's writer commits, so under its lock the newest commit on disk is the
    // one searches see.
    std::lock_guard<std::mutex> lock(write_mutex_);
    TRAWL_RETURN_IF_ERROR(ListCommitFiles(dir_, &files));
    out->pending = pending_;
  }
  const std::shared_ptr<const Searcher> searcher = searchers_.Acquire();
  out->documents = searcher->num_docs();
  out->generation = searcher->generation();
  out->segments = files.segments;
  out->bytes = files.bytes;
  return Status::OK();
}

Status IndexService::Backup(const std::string& dest, BackupResult* result) const {
  // Commits may go on: BackupIndex copes with a commit that replaces the one it copies.
  return BackupIndex(dir_, dest, result);
}

}  // namespace trawl::serve
