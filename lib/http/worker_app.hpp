// WorkerApp: the HTTP routes every worker serves (DESIGN.md, "The worker HTTP app").
//
//   GET /             hello, naming the worker
//   GET /health       {"status":"ok", "requests_in_flight": N, ...}
//   GET /work?ms=N    burns N ms of CPU time (0..10000)
//   GET /sleep?ms=N   waits N ms without using CPU (0..60000)
//   GET /count        a counter in this process's own memory: each worker has its own
//
// Every response carries X-Worker-Id and X-Worker-Pid so load tools and the harness can
// tell which worker answered. A bad query value gets 400 with a one-line reason.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "http/connection_server.hpp"

namespace clab::http {

struct WorkerIdentity {
  int id = 0;
  int instance = 0;
  pid_t pid = 0;
};

inline constexpr long kMaxWorkMs = 10'000;
inline constexpr long kMaxSleepMs = 60'000;

class WorkerApp {
 public:
  explicit WorkerApp(WorkerIdentity identity, ConnectionSettings settings = {});

  ConnectionServer& server() { return server_; }
  std::uint64_t count() const { return count_.load(); }

 private:
  void add_routes();

  WorkerIdentity identity_;
  ConnectionServer server_;
  std::atomic<std::uint64_t> count_{0};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// Spins on the CPU until this thread has used `duration` of CPU time.
void burn_cpu(std::chrono::milliseconds duration);

}  // namespace clab::http
