// WorkerApp: the HTTP routes every worker serves (docs/architecture.md, "The worker HTTP
// app"), on the server of the chosen serving model.
//
//   GET /             hello, naming the worker
//   GET /health       {"status":"ok", "open_connections": N, "requests_in_flight": N, ...}
//   GET /work?ms=N    burns N ms of CPU time (0..10000) on the serving thread: in the event
//                     loop model every other request of this worker waits meanwhile
//   GET /sleep?ms=N   answers after N ms without using CPU (0..60000); in the event loop
//                     model a timer, like setTimeout: other requests proceed
//   GET /hang         only with enable_fault_routes(): never answers, and holds the app's
//                     lock for ever (a deadlock): in the event loop model the loop blocks; in
//                     the thread-pool model every thread that needs the lock, the heartbeat's
//                     among them, blocks on it
//   GET /count        a counter in this process's own memory: each worker has its own
//   GET /shared-count the same counter in the coordination store (SQLite or Redis): one for
//                     the whole cluster; 503 when no store was given, or it fails. The store
//                     call is synchronous: in the event loop model it holds the loop, as a
//                     synchronous driver would in Node
//
// Every response carries X-Worker-Id and X-Worker-Pid so load tools and the harness can
// tell which worker answered. A bad query value gets 400 with a one-line reason.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "cluster/event_loop.hpp"
#include "coord/coordinator.hpp"
#include "http/connection_settings.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"

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
  // `shared_store`, if given, must outlive the app; so must `loop`, which the event loop
  // model needs (the thread-pool model ignores it).
  WorkerApp(WorkerIdentity identity, ConnectionSettings settings, ServingModel model,
            cluster::EventLoop* loop, coord::Coordinator* shared_store = nullptr);

  HttpServer& server() { return *server_; }
  Router& router() { return router_; }
  const WorkerIdentity& identity() const { return identity_; }
  // The coordination store the worker was given (--backend); null without one.
  coord::Coordinator* shared_store() const { return shared_store_; }
  std::uint64_t count() const { return count_.load(); }
  // Adds /hang (the harness's fault injection; without this the route does not exist).
  void enable_fault_routes();
  // What this worker's heartbeats carry: requests answered and their latency buckets
  // (RequestStats), in flight, open connections. Takes the app's lock.
  nlohmann::json heartbeat_figures();

 private:
  void add_routes();

  WorkerIdentity identity_;
  ConnectionSettings settings_;
  coord::Coordinator* shared_store_;
  Router router_;
  std::string hello_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<std::uint64_t> count_{0};
  std::mutex lock_;  // the app's own state; /hang takes it for ever
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// Spins on the CPU until this thread has used `duration` of CPU time.
void burn_cpu(std::chrono::milliseconds duration);

}  // namespace clab::http
