// WatchedChannel: a link's channel (IpcChannel, NodeChannel) kept on an event loop: read
// from watch() until close(), and written when output waits for the socket to take it.
// Invariant: the loop holds the descriptor exactly while the channel is open and watched.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <utility>

#include "cluster/event_loop.hpp"
#include "core/error.hpp"

namespace clab::cluster {

// What writing on a writable socket came to: Failed closed the channel (the peer is gone).
enum class Written { Failed, Drained, Pending };

template <class Channel>
class WatchedChannel {
 public:
  WatchedChannel(EventLoop& loop, Channel channel) : loop_(loop), channel_(std::move(channel)) {}
  ~WatchedChannel() { close(); }
  WatchedChannel(const WatchedChannel&) = delete;
  WatchedChannel& operator=(const WatchedChannel&) = delete;

  Channel* operator->() { return &channel_; }
  const Channel* operator->() const { return &channel_; }

  Status watch(std::function<void(std::uint32_t)> on_events) {
    return loop_.add(channel_.fd(), EPOLLIN, std::move(on_events));
  }
  // Readable always; writable too while output waits for the socket.
  void update_interest() {
    if (!channel_.is_open()) return;
    const std::uint32_t events = EPOLLIN | (channel_.wants_writable() ? EPOLLOUT : 0u);
    (void)loop_.modify(channel_.fd(), events);
  }
  void close() {
    if (!channel_.is_open()) return;
    loop_.remove(channel_.fd());
    channel_.close();
  }
  // The writable half of an event.
  Written on_writable() {
    if (!channel_.flush()) {
      close();
      return Written::Failed;
    }
    update_interest();
    return channel_.has_pending_output() ? Written::Pending : Written::Drained;
  }

 private:
  EventLoop& loop_;
  Channel channel_;
};

}  // namespace clab::cluster
