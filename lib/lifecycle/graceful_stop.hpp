// The worker's stop sequence, after it stopped taking new connections: say it is stopping
// (to its supervisor: the primary's IPC and systemd's STOPPING=1), drain what it serves
// within a deadline, run the shutdown hooks, and say how it went. The order never changes:
// hooks run after the drain, so a hook that closes a store no request still needs.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "lifecycle/shutdown_hooks.hpp"

namespace clab::lifecycle {

struct DrainReport {
  bool drained = false;  // every connection ended before the deadline
  std::chrono::milliseconds took{0};
  std::vector<std::string> still_running;  // "GET /sleep?ms=900 (running 1.2 s)"
};

// What a graceful stop drains: a server's connections.
class Drainable {
 public:
  virtual ~Drainable() = default;
  // From now on: requests in flight finish, nothing new starts, connections end.
  virtual void begin_drain() = 0;
  // Waits until every connection has ended, or `timeout` passes.
  virtual DrainReport wait_drained(std::chrono::milliseconds timeout) = 0;
};

struct GracefulStop {
  std::chrono::milliseconds drain_timeout{1500};
  std::function<void()> announce;  // tells the supervisor the drain begins
  std::function<void(const std::string&)> log;
};

// Runs the sequence; returns the exit status: 0 drained in time and every hook completed, 1
// when the deadline passed with requests still running (each named in the log) or a hook
// threw or overran its budget (named in the log, with why).
int stop_gracefully(Drainable& server, ShutdownHooks& hooks, const GracefulStop& how);

}  // namespace clab::lifecycle
