#include "server/bounded_queue.h"

#include <utility>

#include "server/routes.h"

namespace trawl::serve {

BoundedQueue::BoundedQueue(size_t threads, size_t max_waiting) : max_waiting_(max_waiting) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

BoundedQueue::~BoundedQueue() {
  if (!threads_.empty()) shutdown();
}

void BoundedQueue::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_ >= max_waiting_) {
      jobs_.push_front(Job{std::move(fn), true});
    } else {
      ++waiting_;
      jobs_.push_back(Job{std::move(fn), false});
    }
  }
  ready_.notify_one();
}

void BoundedQueue::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutting_down_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void BoundedQueue::Work() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return shutting_down_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // shutting down with nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
      if (!job.overloaded) --waiting_;
    }
    SetOverloadedForThisThread(job.overloaded);
    job.fn();
    SetOverloadedForThisThread(false);
  }
}

}  // namespace trawl::serve
