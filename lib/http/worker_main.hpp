// The body of every demo's worker process: attach to the primary, serve WorkerApp on the
// connections the listen policy delivers, say "ready" (IPC, and READY=1 on NOTIFY_SOCKET)
// once listening, and on disconnect, SIGINT/SIGTERM or the primary going away drain
// gracefully: tell the primary (and systemd: STOPPING=1), let requests in flight finish
// within drain_timeout, run the shutdown hooks, exit.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "http/connection_settings.hpp"
#include "http/http_server.hpp"
#include "http/worker_app.hpp"
#include "lifecycle/graceful_stop.hpp"
#include "lifecycle/shutdown_hooks.hpp"

namespace clab::http {

struct WorkerOptions {
  ServingModel model = ServingModel::EventLoop;
  ConnectionSettings connections;
  std::chrono::milliseconds drain_timeout{1500};
  // The coordination store behind /shared-count (and anything `configure` adds):
  // "sqlite:PATH" or "redis://HOST:PORT/DB"; empty for none.
  std::string backend;
  // A process started without a primary (pm's fork mode, systemd's socket activation)
  // serves the socket this returns; unset, such a process refuses to run.
  std::function<Result<UniqueFd>()> standalone_listener;
  // Runs once the worker has said it is ready (a line on stdout, say).
  std::function<void()> on_ready;
  // Lets a demo add to the app (a logger, say) and register shutdown hooks, which run last
  // registered first.
  std::function<void(WorkerApp&, lifecycle::ShutdownHooks&)> configure;
  // The graceful stop, once the listener is closed: lifecycle::stop_gracefully unless a
  // program brings its own sequence (an exercise does). Returns the exit status.
  std::function<int(lifecycle::Drainable&, lifecycle::ShutdownHooks&,
                    const lifecycle::GracefulStop&)>
      stop_sequence;

  // Demonstrations of what goes wrong (graceful-shutdown's flags, the harness's faults):
  bool naive = false;                        // exit at once on a stop: no drain, no hooks
  std::chrono::milliseconds ready_delay{0};  // say "ready" this long after listening
  bool never_ready = false;
  bool ignore_stop_signals = false;  // only SIGKILL stops it: kill_timeout's case
  bool fault_routes = false;         // serve /hang (WorkerApp::enable_fault_routes)
};

// Returns the process exit status: 0 after a complete drain, 1 when the drain deadline
// passed with requests still running (they are named on stderr) or the worker failed.
int run_worker(const WorkerOptions& options = {});

}  // namespace clab::http
