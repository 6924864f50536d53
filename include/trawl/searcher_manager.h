// SearcherManager: the current Searcher of an index that a writer keeps committing to, for a
// long-running program (as Lucene's SearcherManager).
//
//   std::unique_ptr<trawl::SearcherManager> manager;
//   trawl::Status s = trawl::SearcherManager::Open("/path/to/index", {}, &manager);
//   // Any number of query threads:
//   std::shared_ptr<const trawl::Searcher> searcher = manager->Acquire();
//   s = searcher->Search("query", {}, &results);   // `searcher` released when it goes away
//   // One thread, now and then (after a commit, or every second):
//   s = manager->MaybeRefresh();
//
// Acquire hands out the current searcher; MaybeRefresh replaces it when the index has a new
// commit, with Searcher::OpenIfChanged (segments both commits have are shared, not opened
// again, so a refresh after a small commit is cheap). A searcher acquired before a refresh is
// not touched by it: it keeps answering from its commit, files deleted by the writer
// included (they are mapped), until its last shared_ptr is dropped. There is no Release: the
// shared_ptr is the lease, and dropping it cannot be forgotten or done twice.
#ifndef TRAWL_SEARCHER_MANAGER_H_
#define TRAWL_SEARCHER_MANAGER_H_

#include <memory>
#include <string>
#include <vector>

#include "trawl/export.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace trawl {

class TRAWL_EXPORT SearcherManager {
 public:
  // Opens the latest commit of the index at `dir` (as Searcher::Open, with the same errors:
  // NotFound if there is no index, Corruption naming a damaged file). On error *out is null.
  // `options.file_system`, if set, must outlive the manager and every searcher it handed out.
  static Status Open(const std::string& dir, const SearcherOptions& options,
                     std::unique_ptr<SearcherManager>* out);
  // The same over several indexes searched as one (Searcher::Open of `dirs`, with its errors);
  // MaybeRefresh then picks up a new commit of any of them.
  static Status Open(const std::vector<std::string>& dirs, const SearcherOptions& options,
                     std::unique_ptr<SearcherManager>* out);
  ~SearcherManager();
  SearcherManager(const SearcherManager&) = delete;
  SearcherManager& operator=(const SearcherManager&) = delete;

  // The current searcher; never null. Cheap (a shared_ptr copy under a lock held for no more
  // than that) and never waits for a refresh's reading of the index. Thread-safe. Each call
  // may return a newer searcher than the one before; a request that runs several queries
  // against one commit acquires once and keeps the pointer. The searcher may outlive the
  // manager.
  std::shared_ptr<const Searcher> Acquire() const;

  // Makes the index's latest commit current if it is not already, and sets *changed (if not
  // null) to whether it did. On error (an I/O error or a damaged file while opening the new
  // commit) the current searcher stays current and the error is returned; a later call may
  // succeed. Thread-safe: concurrent calls are serialized (the second then finds nothing new),
  // and queries on acquired searchers go on meanwhile.
  Status MaybeRefresh(bool* changed = nullptr);

 private:
  struct Rep;
  explicit SearcherManager(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace trawl

#endif  // TRAWL_SEARCHER_MANAGER_H_
