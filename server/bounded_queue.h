// httplib's task queue with a bound: a fixed pool of threads, each serving one connection at a
// time, and at most `max_waiting` connections waiting for one. A connection that arrives
// beyond that is still accepted, but goes to a thread of its own that answers 503 at once
// (routes.h, SetOverloadedForThisThread) rather than wait behind work the server cannot catch
// up with.
#ifndef TRAWL_SERVER_BOUNDED_QUEUE_H_
#define TRAWL_SERVER_BOUNDED_QUEUE_H_

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace trawl::serve {

class BoundedQueue final : public httplib::TaskQueue {
 public:
  BoundedQueue(size_t threads, size_t max_waiting);
  ~BoundedQueue() override;

  void enqueue(std::function<void()> fn) override;
  // Runs every job already queued (in-flight requests finish), then joins the threads.
  void shutdown() override;

 private:
  using Job = std::function<void()>;
  // Runs jobs from *jobs until shutdown leaves none; `overloaded` says which kind they are.
  void Work(std::deque<Job>* jobs, bool overloaded);

  const size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable ready_;     // jobs_ has a job, or shutting down
  std::condition_variable rejected_;  // overloaded_ has a job, or shutting down
  std::deque<Job> jobs_;              // guarded by mutex_
  std::deque<Job> overloaded_;        // guarded by mutex_
  const size_t workers_;
  size_t busy_ = 0;                   // workers running a job; guarded by mutex_
  bool shutting_down_ = false;        // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_BOUNDED_QUEUE_H_
