// httplib's task queue with a bound: a fixed pool of threads, each serving one connection at a
// time, and at most `max_waiting` connections waiting for one. A connection that arrives
// beyond that is still accepted, but jumps the queue to be answered 503 at once (routes.h,
// SetOverloadedForThisThread) rather than wait behind work the server cannot catch up with.
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
  struct Job {
    std::function<void()> fn;
    bool overloaded = false;
  };
  void Work();

  const size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> jobs_;       // guarded by mutex_
  size_t waiting_ = 0;         // jobs not marked overloaded; guarded by mutex_
  bool shutting_down_ = false;  // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_BOUNDED_QUEUE_H_
