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
                          uint32_t refresh_ms, std::unique_ptr<IndexService>* out) {
  std::unique_ptr<IndexService> service(new IndexService(dir, max_document_bytes, refresh_ms));
  // The writer first: it creates the index (an empty first commit) that the searcher opens.
  TRAWL_RETURN_IF_ERROR(IndexWriter::Open(dir, IndexWriterOptions(), &service->writer_));
  Status opened = SearcherManager::Open(dir, SearcherOptions(), &service->searchers_);
  if (opened.IsNotFound()) {
    // A new index has no commit until its first: make an empty one, as trawl-index does, so
    // that searches answer (with nothing) from the start.
    TRAWL_RETURN_IF_ERROR(service->writer_->Commit());
    opened = SearcherManager::Open(dir, SearcherOptions(), &service->searchers_);
  }
  TRAWL_RETURN_IF_ERROR(opened);
  service->last_refresh_ = Clock::now().time_since_epoch().count();
  *out = std::move(service);
  return Status::OK();
}

std::shared_ptr<const Searcher> IndexService::AcquireSearcher() {
  const Clock::rep now = Clock::now().time_since_epoch().count();
  Clock::rep last = last_refresh_.load(std::memory_order_relaxed);
  // Whoever moves last_refresh_ forward does the check; the others go on with the current
  // searcher rather than queue behind it. A failed check is retried at the next interval (and
  // any commit refreshes anyway).
  if (Clock::duration(now - last) >= refresh_interval_ &&
      last_refresh_.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    (void)searchers_->MaybeRefresh();
  }
  return searchers_->Acquire();
}

Status IndexService::AddJsonl(std::string_view body, AddResult* result) {
  *result = AddResult();
  InputOptions options;
  options.skip_errors = true;
  options.max_document_bytes = max_document_bytes_;
  InputStats stats;
  Status s = ReadJsonlText("<request>", body, options, &stats, [&](Document&& doc) {
    // Per document, not per body: a commit waits for one Add, never for a whole body (and
    // std::shared_mutex may let a stream of shared holders starve it).
    std::shared_lock<std::shared_mutex> lock(write_mutex_);
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
  std::shared_lock<std::shared_mutex> lock(write_mutex_);
  TRAWL_RETURN_IF_ERROR(writer_->Delete(id, found));
  ++pending_;
  return Status::OK();
}

Status IndexService::Commit(CommitResult* result) {
  std::unique_lock<std::shared_mutex> lock(write_mutex_);
  TRAWL_RETURN_IF_ERROR(writer_->Commit());
  pending_ = 0;
  // Under the write lock, so that no other commit comes between and the generation answered is
  // this commit's.
  TRAWL_RETURN_IF_ERROR(searchers_->MaybeRefresh());
  const std::shared_ptr<const Searcher> searcher = searchers_->Acquire();
  result->generation = searcher->generation();
  result->documents = writer_->committed_documents();
  return Status::OK();
}

Status IndexService::Stats(IndexStats* out) const {
  *out = IndexStats();
  CommitFiles files;
  std::shared_ptr<const Searcher> searcher;
  {
    // Only this server's writer commits, and Commit refreshes under the exclusive lock, so
    // under the shared one the newest commit on disk is the one searches see.
    std::shared_lock<std::shared_mutex> lock(write_mutex_);
    TRAWL_RETURN_IF_ERROR(ListCommitFiles(dir_, &files));
    out->pending = pending_;
    searcher = searchers_->Acquire();
  }
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
