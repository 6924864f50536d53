#include "searcher/query_stop.h"

namespace trawl {

bool QueryStop::CheckNow() {
  if (reason_ != Reason::kNone) {
    countdown_ = 0;  // every later tick lands here and answers at once
    return true;
  }
  countdown_ = kCheckInterval;
  // Relaxed: the flag orders nothing else; a stop seen one check later is still soon.
  if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
    reason_ = Reason::kCancelled;
  } else if (deadline_ != Clock::time_point::max() && Clock::now() >= deadline_) {
    reason_ = Reason::kDeadline;
  }
  if (reason_ != Reason::kNone) countdown_ = 0;
  return reason_ != Reason::kNone;
}

Status QueryStop::status() const {
  switch (reason_) {
    case Reason::kDeadline:
      return Status::DeadlineExceeded("the query ran past its deadline and was stopped");
    case Reason::kCancelled:
      return Status::Cancelled("the query was cancelled");
    case Reason::kNone:
      break;
  }
  return Status::OK();
}

}  // namespace trawl
