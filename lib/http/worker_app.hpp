// WorkerApp: the HTTP routes every worker serves (DESIGN.md, "The worker HTTP app").
//
//   GET /             hello, naming the worker
//   GET /health       {"status":"ok", "requests_in_flight": N, ...}
//   GET /work?ms=N    burns N ms of CPU time (0..10000)
//   GET /sleep?ms=N   waits N ms without using CPU (0..60000)
//   GET /count        a counter in this process's own memory: each worker has its own
//   GET /shared-count the same counter in the coordination store (SQLite or Redis): one for
//                     the whole cluster; 503 when no store was given, or it fails
//
// Every response carries X-Worker-Id and X-Worker-Pid so load tools and the harness can
// tell which worker answered. A bad query value gets 400 with a one-line reason.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "coord/coordinator.hpp"
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
  // `shared_store`, if given, must outlive the app.
  explicit WorkerApp(WorkerIdentity identity, ConnectionSettings settings = {},
                     coord::Coordinator* shared_store = nullptr);

  ConnectionServer& server() { return server_; }
  const WorkerIdentity& identity() const { return identity_; }
  coord::Coordinator* shared_store() const { return shared_store_; }
  std::uint64_t count() const { return count_.load(); }

 private:
  void add_routes();

  WorkerIdentity identity_;
  coord::Coordinator* shared_store_;
  ConnectionServer server_;
  std::atomic<std::uint64_t> count_{0};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// Spins on the CPU until this thread has used `duration` of CPU time.
void burn_cpu(std::chrono::milliseconds duration);

}  // namespace clab::http
