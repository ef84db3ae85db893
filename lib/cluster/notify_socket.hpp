// NotifySocket: the listening side of systemd's readiness protocol, for the processes of a
// group that do not speak ClusterLab's or Node's: an abstract unix datagram socket named in
// their NOTIFY_SOCKET, where each "READY=1" or "STOPPING=1" line arrives with its sender's
// pid (SCM_CREDENTIALS, which the kernel fills in and a sender cannot forge).
// Invariant: only lines from a pid `on_line` accepts matter; the rest are dropped.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

#include "cluster/event_loop.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::cluster {

class NotifySocket {
 public:
  using OnLine = std::function<void(pid_t sender, std::string_view line)>;

  // Binds a fresh abstract name and reads it on `loop`.
  static Result<std::unique_ptr<NotifySocket>> open(EventLoop& loop, OnLine on_line);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The value for a child's NOTIFY_SOCKET ("@name").
  const std::string& address() const { return address_; }

 private:
  NotifySocket(EventLoop& loop, UniqueFd fd, std::string address, OnLine on_line);
  void on_readable();

  EventLoop& loop_;
  UniqueFd fd_;
  std::string address_;
  OnLine on_line_;
};

}  // namespace clab::cluster
