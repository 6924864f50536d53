#include "server/bounded_queue.h"

#include <utility>

#include "server/routes.h"

namespace trawl::serve {

BoundedQueue::BoundedQueue(size_t threads, size_t max_waiting)
    : max_waiting_(max_waiting), workers_(threads) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(&jobs_, false); });
  // Answering 503 takes microseconds, so one thread does it for every overloaded connection.
  threads_.emplace_back([this] { Work(&overloaded_, true); });
}

BoundedQueue::~BoundedQueue() {
  if (!threads_.empty()) shutdown();
}

void BoundedQueue::enqueue(std::function<void()> fn) {
  bool overloaded = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Jobs a free worker is about to take do not wait (counted by busy workers, not by
    // waiting ones: at start-up the threads may not have begun to wait yet).
    overloaded = jobs_.size() >= max_waiting_ + (workers_ - busy_);
    (overloaded ? overloaded_ : jobs_).push_back(std::move(fn));
  }
  (overloaded ? rejected_ : ready_).notify_one();
}

void BoundedQueue::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutting_down_ = true;
  }
  ready_.notify_all();
  rejected_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void BoundedQueue::Work(std::deque<Job>* jobs, bool overloaded) {
  std::condition_variable& wake = overloaded ? rejected_ : ready_;
  SetOverloadedForThisThread(overloaded);
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake.wait(lock, [&] { return shutting_down_ || !jobs->empty(); });
      if (jobs->empty()) return;  // shutting down with nothing left
      job = std::move(jobs->front());
      jobs->pop_front();
      if (!overloaded) ++busy_;
    }
    job();
    if (!overloaded) {
      std::lock_guard<std::mutex> lock(mutex_);
      --busy_;
    }
  }
}

}  // namespace trawl::serve
