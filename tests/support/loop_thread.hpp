// LoopThread: a cluster::EventLoop running on a thread of its own, as a worker's or a
// primary's loop runs, with a way in from the test's thread: post() queues a call for the
// loop's thread, call() runs one there and returns its result. Destroying it runs `stop`
// calls queued, then stops the loop and joins the thread.
#pragma once

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/event_loop.hpp"

namespace clab::testing {

class LoopThread {
 public:
  LoopThread() : wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    (void)loop.add(wake_.get(), EPOLLIN, [this](std::uint32_t) { run_posted(); });
  }
  ~LoopThread() { stop(); }

  // Starts dispatching; set up what the loop carries first.
  void start() {
    thread_ = std::thread([this] { loop.run(); });
  }
  // Runs `before` on the loop's thread, then stops the loop and joins it.
  void stop(std::function<void()> before = {}) {
    if (!thread_.joinable()) return;
    post([this, before = std::move(before)] {
      if (before) before();
      loop.remove(wake_.get());
      loop.stop();
    });
    thread_.join();
  }

  void post(std::function<void()> f) {
    {
      std::lock_guard lock(mutex_);
      posted_.push_back(std::move(f));
    }
    const std::uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }

  template <typename F>
  auto call(F f) -> decltype(f()) {
    using R = decltype(f());
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
    auto result = task->get_future();
    post([task] { (*task)(); });
    return result.get();
  }

  cluster::EventLoop loop;

 private:
  void run_posted() {
    std::uint64_t count = 0;
    (void)!::read(wake_.get(), &count, sizeof count);
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard lock(mutex_);
      tasks.swap(posted_);
    }
    for (auto& t : tasks)
      t();
  }

  UniqueFd wake_;
  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;
  std::thread thread_;
};

}  // namespace clab::testing
