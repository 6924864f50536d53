// The index a server serves: one IndexWriter for every write, and the searcher requests read,
// refreshed after each commit. The HTTP layer (routes.h) calls only this; the engine's logic
// stays in the library.
#ifndef TRAWL_SERVER_INDEX_SERVICE_H_
#define TRAWL_SERVER_INDEX_SERVICE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "server/searcher_holder.h"
#include "trawl/backup.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace trawl::serve {

struct AddResult {
  uint64_t added = 0;
  uint64_t skipped = 0;  // bad JSONL lines and documents the schema refused
  std::vector<std::string> errors;  // why, one line each, the first few
};

struct CommitResult {
  uint64_t generation = 0;
  uint64_t documents = 0;
};

struct IndexStats {
  uint64_t documents = 0;  // live documents in the commit searches see
  uint64_t generation = 0;
  uint64_t segments = 0;
  uint64_t bytes = 0;      // the commit's files
  uint64_t pending = 0;    // documents added or deleted since the last commit
};

class IndexService {
 public:
  // Opens (creating if needed, as trawl-index does) the index at `dir`, taking its writer lock:
  // Busy while another writer (a trawl-index run, another server) holds it.
  static Status Open(const std::string& dir, uint64_t max_document_bytes,
                     std::unique_ptr<IndexService>* out);

  // The searcher of the newest commit; see SearcherHolder::Acquire.
  std::shared_ptr<const Searcher> AcquireSearcher() const { return searchers_.Acquire(); }

  // Adds (or replaces, by id) the documents of a JSONL body, by trawl-index's rules
  // (ReadJsonlText). Bad lines and refused documents are skipped and counted, never fatal;
  // an error is returned only when the writer itself fails.
  Status AddJsonl(std::string_view body, AddResult* result);
  Status Delete(std::string_view id, bool* found);
  // Commits and then moves searches to the new commit.
  Status Commit(CommitResult* result);
  // Writes since the last commit.
  uint64_t pending() const;

  Status Stats(IndexStats* out) const;
  // BackupIndex of the commit searches see or a newer one (trawl/backup.h).
  Status Backup(const std::string& dest, BackupResult* result) const;

 private:
  IndexService(std::string dir, uint64_t max_document_bytes)
      : dir_(std::move(dir)), max_document_bytes_(max_document_bytes) {}

  const std::string dir_;
  const uint64_t max_document_bytes_;
  SearcherHolder searchers_;
  // IndexWriter takes Add, Delete and Commit from one thread at a time.
  mutable std::mutex write_mutex_;
  std::unique_ptr<IndexWriter> writer_;  // guarded by write_mutex_
  uint64_t pending_ = 0;                 // guarded by write_mutex_
};

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_INDEX_SERVICE_H_
