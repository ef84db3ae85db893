#include "http/elastic_thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <thread>

namespace clab::http {
namespace {

TEST(ElasticThreadPool, GrowsToOneThreadPerBlockingJob) {
  ElasticThreadPool pool(256);
  constexpr int kJobs = 100;  // like 100 keep-alive connections, each holding a thread
  std::latch all_running(kJobs);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  for (int i = 0; i < kJobs; ++i) {
    pool.enqueue([&] {
      all_running.count_down();
      released.wait();
    });
  }
  all_running.wait();  // deadlocks (and the test times out) if any job is left queued
  EXPECT_EQ(pool.threads(), static_cast<std::size_t>(kJobs));
  release.set_value();
  pool.shutdown();
}

// Waits until every thread of the pool is back waiting for work (or 5 s pass).
bool wait_until_idle(const ElasticThreadPool& pool) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (pool.busy() != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ElasticThreadPool, ReusesIdleThreads) {
  ElasticThreadPool pool(16);
  for (int i = 0; i < 50; ++i) {
    std::promise<void> done;
    pool.enqueue([&] { done.set_value(); });
    done.get_future().wait();
    ASSERT_TRUE(wait_until_idle(pool));
  }
  EXPECT_EQ(pool.threads(), 1u);
}

TEST(ElasticThreadPool, NeverExceedsItsMaximumAndRunsQueuedJobsLater) {
  ElasticThreadPool pool(2);
  std::atomic<int> ran{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  for (int i = 0; i < 10; ++i) {
    pool.enqueue([&] {
      released.wait();
      ++ran;
    });
  }
  EXPECT_LE(pool.threads(), 2u);
  release.set_value();
  pool.shutdown();  // runs every queued job before joining
  EXPECT_EQ(ran.load(), 10);
}

}  // namespace
}  // namespace clab::http
