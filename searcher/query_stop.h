// Whether a running query must stop: its deadline has passed or its cancel flag is set
// (SearchOptions::deadline, SearchOptions::cancel).
//
// Every loop that can run long (over documents, candidates, terms of a dictionary, hits) ticks
// it with a cost in rough units of one document's work; the clock and the flag are read only
// when the ticks add up to kCheckInterval, so a tick is a subtraction and a branch. Once it
// trips it stays tripped: a scorer without a Status to return reports no more documents, a
// function that returns a Status returns status(), and the searcher, which checks stopped()
// when the query ends, discards whatever was gathered and returns status().
//
// One query runs on one thread, so the countdown is plain; only the cancel flag is shared.
#ifndef TRAWL_SEARCHER_QUERY_STOP_H_
#define TRAWL_SEARCHER_QUERY_STOP_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "trawl/status.h"

namespace trawl {

class QueryStop {
 public:
  using Clock = std::chrono::steady_clock;
  // Work between two reads of the clock and the flag: a few thousand documents, tens of
  // microseconds, which a clock read (~20 ns) does not show in.
  static constexpr int64_t kCheckInterval = 4096;

  // Never stops.
  QueryStop() = default;
  // Stops once `deadline` has passed (Clock::time_point::max(): never) or `*cancel` is true
  // (null: never). The first tick reads both, so a query given an expired deadline or a set
  // flag stops at its first loop.
  QueryStop(Clock::time_point deadline, const std::atomic<bool>* cancel)
      : deadline_(deadline), cancel_(cancel) {}
  QueryStop(const QueryStop&) = delete;
  QueryStop& operator=(const QueryStop&) = delete;

  // True when the query must stop; `cost` is the work done since the last tick.
  bool Tick(int64_t cost = 1) {
    countdown_ -= cost;
    if (countdown_ > 0) return false;
    return CheckNow();
  }
  // Reads the clock and the flag now (with a deadline or a flag; else false at once).
  bool CheckNow();
  bool stopped() const { return reason_ != Reason::kNone; }
  // Stopped by the deadline (not by the cancel flag).
  bool deadline_passed() const { return reason_ == Reason::kDeadline; }
  // DeadlineExceeded or Cancelled once stopped; OK before.
  Status status() const;

 private:
  enum class Reason { kNone, kDeadline, kCancelled };
  Clock::time_point deadline_ = Clock::time_point::max();
  const std::atomic<bool>* cancel_ = nullptr;
  int64_t countdown_ = 1;  // the first tick checks
  Reason reason_ = Reason::kNone;
};

// A tick of an optional QueryStop (null: a query nothing can stop, as in tests of the layers
// below the searcher).
inline bool StopRequested(QueryStop* stop, int64_t cost = 1) {
  return stop != nullptr && stop->Tick(cost);
}

// The ticks of one hot loop (a collector's, per document), counted in a local that stays in a
// register, so that an iteration costs a decrement and a branch; the QueryStop itself, behind
// a pointer the loop's virtual calls force the compiler to reload, is ticked every kBatch
// iterations. The first tick goes to it at once (an expired deadline stops the loop there).
class LoopStop {
 public:
  static constexpr uint32_t kBatch = 256;
  explicit LoopStop(QueryStop* stop) : stop_(stop) {}
  bool Tick() {
    if (--left_ != 0) return false;
    left_ = kBatch;
    return StopRequested(stop_, kBatch);
  }

 private:
  QueryStop* const stop_;
  uint32_t left_ = 1;
};

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_STOP_H_
