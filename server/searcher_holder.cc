#include "server/searcher_holder.h"

#include <utility>

namespace trawl::serve {

Status SearcherHolder::Open(const std::string& dir) {
  std::unique_ptr<Searcher> searcher;
  TRAWL_RETURN_IF_ERROR(Searcher::Open(dir, SearcherOptions(), &searcher));
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = std::move(searcher);
  return Status::OK();
}

std::shared_ptr<const Searcher> SearcherHolder::Acquire() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

Status SearcherHolder::Refresh() {
  std::lock_guard<std::mutex> refresh_lock(refresh_mutex_);
  const std::shared_ptr<const Searcher> current = Acquire();
  std::unique_ptr<Searcher> newer;
  TRAWL_RETURN_IF_ERROR(Searcher::OpenIfChanged(*current, &newer));
  if (newer == nullptr) return Status::OK();
  // Declared before the lock, `replacement` (the old searcher after the swap) is released after
  // it: unmapping an old commit never makes Acquire wait.
  std::shared_ptr<const Searcher> replacement = std::move(newer);
  std::lock_guard<std::mutex> lock(mutex_);
  current_.swap(replacement);
  return Status::OK();
}

}  // namespace trawl::serve
