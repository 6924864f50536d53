// The index a server serves: one IndexWriter for every write, and a SearcherManager whose
// searcher requests read, refreshed after each commit and checked for newer commits at most
// every `refresh_ms` before a search. The HTTP layer (routes.h) calls only this; the engine's logic
// stays in the library.
#ifndef TRAWL_SERVER_INDEX_SERVICE_H_
#define TRAWL_SERVER_INDEX_SERVICE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "trawl/backup.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/searcher_manager.h"
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
  // `refresh_ms`: how stale the searcher may be about a commit this service did not make
  // itself (see AcquireSearcher); 0 checks before every search.
  static Status Open(const std::string& dir, uint64_t max_document_bytes, uint32_t refresh_ms,
                     std::unique_ptr<IndexService>* out);

  // The current searcher (SearcherManager::Acquire): a request keeps it for its whole life, so
  // it reads one commit, and files a later commit deletes stay readable until it lets go.
  // Our own commits refresh it at once (Commit). Beyond that, if `refresh_ms` has passed since
  // the last check, the calling thread first looks for a newer commit (MaybeRefresh; one thread
  // at a time, the others do not wait): that retries a refresh that failed after a commit (an
  // I/O error), and follows a commit made by anything else. While this server runs it holds
  // the writer lock, so that is rare; the check is a manifest lookup, cheap enough either way.
  std::shared_ptr<const Searcher> AcquireSearcher();

  // Adds (or replaces, by id) the documents of a JSONL body, by trawl-index's rules
  // (ReadJsonlText). Bad lines and refused documents are skipped and counted, never fatal;
  // an error is returned only when the writer itself fails. Any number of threads at once
  // (IndexWriter::Add is thread-safe); a commit racing with a body takes a prefix of it.
  Status AddJsonl(std::string_view body, AddResult* result);
  // Any number of threads at once, as AddJsonl.
  Status Delete(std::string_view id, bool* found);
  // Commits and then moves searches to the new commit. One at a time; the generation answered
  // is this commit's.
  Status Commit(CommitResult* result);
  // Writes since the last commit: what a Commit now would write (or a shutdown discard).
  uint64_t pending() const { return pending_.load(); }

  Status Stats(IndexStats* out) const;
  // BackupIndex of the commit searches see or a newer one (trawl/backup.h).
  Status Backup(const std::string& dest, BackupResult* result) const;

 private:
  using Clock = std::chrono::steady_clock;

  IndexService(std::string dir, uint64_t max_document_bytes, uint32_t refresh_ms)
      : dir_(std::move(dir)),
        max_document_bytes_(max_document_bytes),
        refresh_interval_(std::chrono::milliseconds(refresh_ms)) {}

  const std::string dir_;
  const uint64_t max_document_bytes_;
  const Clock::duration refresh_interval_;
  std::unique_ptr<SearcherManager> searchers_;
  // When AcquireSearcher last looked for a newer commit (Clock ticks); claimed by one thread.
  std::atomic<Clock::rep> last_refresh_{0};
  // The writer takes Add and Delete from many threads and serializes its commits itself; this
  // lock is only about what the service adds around them. Add and Delete hold it shared, so
  // pending_ counts exactly the writes a commit takes; Commit holds it exclusively, so that the
  // commit, the reset of pending_ and the refresh of the searcher are one step that no other
  // commit, write or Stats comes between (Stats then lists the commit searches see).
  mutable std::shared_mutex write_mutex_;
  std::unique_ptr<IndexWriter> writer_;
  std::atomic<uint64_t> pending_{0};
};

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_INDEX_SERVICE_H_
