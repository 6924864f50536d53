// The Searcher that requests use: one commit, shared by every request that acquired it, and
// replaced after each commit by a reopen that shares the segments both commits have.
//
// This is the one place that knows how searchers are managed. When the library's
// SearcherManager (issue 13) lands, this class becomes a thin wrapper over it (Acquire ->
// manager.Acquire, Refresh -> manager.MaybeRefresh) and nothing else in the server changes.
#ifndef TRAWL_SERVER_SEARCHER_HOLDER_H_
#define TRAWL_SERVER_SEARCHER_HOLDER_H_

#include <memory>
#include <mutex>
#include <string>

#include "trawl/searcher.h"
#include "trawl/status.h"

namespace trawl::serve {

class SearcherHolder {
 public:
  // Opens the newest commit of `dir`.
  Status Open(const std::string& dir);

  // The current searcher. A request keeps it for its whole life, so a refresh in the meantime
  // never changes the commit it reads (nor unmaps what it reads: the old searcher lives until
  // its last holder lets go). Thread-safe.
  std::shared_ptr<const Searcher> Acquire() const;

  // Moves to the newest commit if there is one (Searcher::OpenIfChanged: unchanged segments are
  // shared, not reopened). A commit is visible only once its manifest is complete, so a
  // searcher never sees half of one. Thread-safe; refreshes run one at a time.
  Status Refresh();

 private:
  std::mutex refresh_mutex_;  // one reopen at a time; Acquire never waits for it
  mutable std::mutex mutex_;  // guards current_
  std::shared_ptr<const Searcher> current_;
};

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_SEARCHER_HOLDER_H_
