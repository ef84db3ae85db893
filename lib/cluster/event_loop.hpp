// EventLoop: a single-threaded epoll loop that dispatches descriptor readiness and timers.
//
// Invariants: every callback runs on the thread that called run(); a descriptor removed
// (or re-added) during a dispatch round never receives an event meant for its old
// registration; timers fire in deadline order. Not thread-safe: use it from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::cluster {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using IoCallback = std::function<void(std::uint32_t epoll_events)>;
  using TimerId = std::uint64_t;

  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Status add(int fd, std::uint32_t events, IoCallback callback);
  Status modify(int fd, std::uint32_t events);
  void remove(int fd);

  TimerId after(std::chrono::milliseconds delay, std::function<void()> callback);
  void cancel(TimerId id);

  // Dispatches until stop(); returns at once if stop() was called before. Once it returned,
  // run() dispatches again until the next stop().
  void run();
  void stop() { stopped_ = true; }

 private:
  struct Registration {
    std::uint64_t token;
    IoCallback callback;
  };
  int next_timeout_ms() const;
  void fire_due_timers();

  UniqueFd epoll_;
  std::unordered_map<int, Registration> fds_;
  std::unordered_map<std::uint64_t, int> token_to_fd_;
  std::uint64_t next_token_ = 1;
  std::multimap<Clock::time_point, std::pair<TimerId, std::function<void()>>> timers_;
  TimerId next_timer_ = 1;
  bool stopped_ = false;
};

}  // namespace clab::cluster
