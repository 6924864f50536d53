// SearcherManager (include/trawl/searcher_manager.h): the current searcher behind one lock,
// refreshes serialized behind another so that acquiring never waits for the index to be read.
#include "trawl/searcher_manager.h"

#include <mutex>
#include <utility>

namespace trawl {

struct SearcherManager::Rep {
  // Held only to copy or swap `current`: Acquire never waits for a refresh's I/O.
  mutable std::mutex current_mu;
  std::shared_ptr<const Searcher> current;  // never null
  // Held for a whole refresh: two refreshes at once would both open the new commit.
  std::mutex refresh_mu;
};

SearcherManager::SearcherManager(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
SearcherManager::~SearcherManager() = default;

Status SearcherManager::Open(const std::string& dir, const SearcherOptions& options,
                             std::unique_ptr<SearcherManager>* out) {
  return Open(std::vector<std::string>{dir}, options, out);
}

Status SearcherManager::Open(const std::vector<std::string>& dirs, const SearcherOptions& options,
                             std::unique_ptr<SearcherManager>* out) {
  out->reset();
  std::unique_ptr<Searcher> searcher;
  TRAWL_RETURN_IF_ERROR(Searcher::Open(dirs, options, &searcher));
  auto rep = std::make_unique<Rep>();
  rep->current = std::move(searcher);
  out->reset(new SearcherManager(std::move(rep)));
  return Status::OK();
}

std::shared_ptr<const Searcher> SearcherManager::Acquire() const {
  std::lock_guard<std::mutex> lock(rep_->current_mu);
  return rep_->current;
}

Status SearcherManager::MaybeRefresh(bool* changed) {
  if (changed != nullptr) *changed = false;
  std::lock_guard<std::mutex> refreshing(rep_->refresh_mu);
  // Only this thread replaces `current`, so the copy stays the current one while the new
  // commit is opened without the lock; it also keeps the old searcher alive for the reopen.
  const std::shared_ptr<const Searcher> old = Acquire();
  std::unique_ptr<Searcher> opened;
  TRAWL_RETURN_IF_ERROR(Searcher::OpenIfChanged(*old, &opened));
  if (opened == nullptr) return Status::OK();
  std::shared_ptr<const Searcher> fresh = std::move(opened);
  {
    std::lock_guard<std::mutex> lock(rep_->current_mu);
    rep_->current.swap(fresh);
  }
  // `old` and `fresh` now hold the old searcher: if nothing else does, it is closed as they
  // go, outside the lock, so that acquirers do not wait for its files to be unmapped.
  if (changed != nullptr) *changed = true;
  return Status::OK();
}

}  // namespace trawl
