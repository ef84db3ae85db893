#include "cluster/event_loop.hpp"

#include <sys/epoll.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace clab::cluster {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!epoll_) throw std::runtime_error(errno_error("epoll_create1").message);
}

Status EventLoop::add(int fd, std::uint32_t events, IoCallback callback) {
  const std::uint64_t token = next_token_++;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return errno_error("epoll_ctl add");
  fds_[fd] = Registration{token, std::move(callback)};
  token_to_fd_[token] = fd;
  return {};
}

Status EventLoop::modify(int fd, std::uint32_t events) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Error{"epoll_ctl modify: descriptor is not registered"};
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = it->second.token;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) return errno_error("epoll_ctl mod");
  return {};
}

void EventLoop::remove(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  token_to_fd_.erase(it->second.token);
  fds_.erase(it);
}

EventLoop::TimerId EventLoop::after(std::chrono::milliseconds delay,
                                    std::function<void()> callback) {
  const TimerId id = next_timer_++;
  timers_.emplace(Clock::now() + delay, std::make_pair(id, std::move(callback)));
  return id;
}

void EventLoop::cancel(TimerId id) {
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second.first == id) {
      timers_.erase(it);
      return;
    }
  }
}

int EventLoop::next_timeout_ms() const {
  if (timers_.empty()) return -1;
  const auto left = timers_.begin()->first - Clock::now();
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}

void EventLoop::fire_due_timers() {
  const auto now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first <= now && !stopped_) {
    auto callback = std::move(timers_.begin()->second.second);
    timers_.erase(timers_.begin());
    callback();
  }
}

void EventLoop::run() {
  std::array<epoll_event, 64> events;
  while (!stopped_) {
    const int n = ::epoll_wait(epoll_.get(), events.data(), events.size(), next_timeout_ms());
    if (n < 0 && errno != EINTR) throw std::runtime_error(errno_error("epoll_wait").message);
    for (int i = 0; i < n && !stopped_; ++i) {
      auto fd_it = token_to_fd_.find(events[i].data.u64);
      if (fd_it == token_to_fd_.end()) continue;              // removed earlier in this round
      IoCallback callback = fds_.at(fd_it->second).callback;  // copy: it may remove itself
      callback(events[i].events);
    }
    fire_due_timers();
  }
  stopped_ = false;  // run() may be called again
}

}  // namespace clab::cluster
