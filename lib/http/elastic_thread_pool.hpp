// ElasticThreadPool: runs jobs on up to max_threads threads, starting a thread only when
// every existing one is busy. A keep-alive connection holds one thread for its whole life,
// so the pool must grow to the number of open connections (100 for a typical load test)
// without paying for hundreds of idle threads in every worker.
//
// Invariants: threads() <= max_threads; a job is queued only when every thread is busy and
// the maximum is reached. shutdown() runs every queued job, then joins every thread.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace clab::http {

class ElasticThreadPool {
 public:
  explicit ElasticThreadPool(std::size_t max_threads) : max_threads_(max_threads) {}
  ~ElasticThreadPool() { shutdown(); }
  ElasticThreadPool(const ElasticThreadPool&) = delete;
  ElasticThreadPool& operator=(const ElasticThreadPool&) = delete;

  void enqueue(std::function<void()> job);
  void shutdown();

  std::size_t threads() const;
  std::size_t busy() const;

 private:
  void work();

  const std::size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool shutting_down_ = false;
};

}  // namespace clab::http
