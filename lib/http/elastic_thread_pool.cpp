#include "http/elastic_thread_pool.hpp"

namespace clab::http {

void ElasticThreadPool::enqueue(std::function<void()> job) {
  std::unique_lock lock(mutex_);
  if (shutting_down_) return;
  jobs_.push_back(std::move(job));
  if (idle_ >= jobs_.size() || threads_.size() >= max_threads_) {
    lock.unlock();
    wake_.notify_one();
    return;
  }
  threads_.emplace_back([this] { work(); });
}

void ElasticThreadPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return !jobs_.empty() || shutting_down_; });
    --idle_;
    if (jobs_.empty()) return;  // shutting down and nothing left to run
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void ElasticThreadPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    if (shutting_down_ && threads_.empty()) return;
    shutting_down_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (auto& t : threads)
    t.join();
}

std::size_t ElasticThreadPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

std::size_t ElasticThreadPool::busy() const {
  std::lock_guard lock(mutex_);
  return threads_.size() > idle_ ? threads_.size() - idle_ : 0;
}

}  // namespace clab::http
