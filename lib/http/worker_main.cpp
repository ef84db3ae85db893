#include "http/worker_main.hpp"

#include <sys/syscall.h>
#include <unistd.h>
#include <csignal>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "cluster/environment.hpp"
#include "cluster/wire.hpp"
#include "cluster/worker_runtime.hpp"
#include "http/worker_app.hpp"
#include "lifecycle/graceful_stop.hpp"
#include "lifecycle/sd_notify.hpp"
#include "proc/exit_status.hpp"

namespace clab::http {
namespace {

std::string describe(const cluster::WorkerRuntime::Stopped& stopped) {
  using Reason = cluster::WorkerRuntime::StopReason;
  switch (stopped.reason) {
    case Reason::Signal:
      return "received " + proc::signal_name(stopped.signal);
    case Reason::Disconnect:
      return "was asked to stop by the primary";
    case Reason::Requested:
      return "was asked to stop";
    case Reason::PrimaryGone:
      return "lost its primary";
    case Reason::Failed:
      return "failed: " + stopped.detail;
  }
  return "stopped";
}

}  // namespace

int run_worker(const WorkerOptions& options) {
  // As Node does: a write to a closed pipe or socket (its output's reader gone, a client
  // gone) is an EPIPE error to handle, not a signal that kills the worker.
  ::signal(SIGPIPE, SIG_IGN);
  auto runtime = [&]() -> Result<std::unique_ptr<cluster::WorkerRuntime>> {
    if (cluster::is_worker() || !options.standalone_listener)
      return cluster::WorkerRuntime::attach();
    auto listener = options.standalone_listener();
    if (!listener) return listener.error();
    return cluster::WorkerRuntime::standalone(std::move(listener.value()));
  }();
  if (!runtime) {
    fmt::print(stderr, "{}\n", runtime.error().message);
    return 1;
  }
  auto& worker = *runtime.value();
  const pid_t pid = ::getpid();
  const auto notifier = lifecycle::SdNotifier::from_environment();
  lifecycle::ShutdownHooks hooks;
  std::unique_ptr<coord::Coordinator> shared_store;
  if (!options.backend.empty()) {
    auto opened = coord::open_coordinator(options.backend);
    if (!opened) {
      fmt::print(stderr, "Worker {}: {}\n", pid, opened.error().message);
      return 1;
    }
    shared_store = std::move(opened).value();
  }
  ConnectionSettings connections = options.connections;
  // The grace for idle connections is part of the drain, so it never outlasts it.
  connections.idle_grace = std::min(connections.idle_grace, options.drain_timeout);
  WorkerApp app({worker.id(), worker.instance(), pid}, connections, options.model, &worker.loop(),
                shared_store.get());
  if (options.configure) options.configure(app, hooks);
  if (options.fault_routes) app.enable_fault_routes();
  worker.ignore_stop_signals(options.ignore_stop_signals);
  worker.set_heartbeat_figures([&app] { return app.heartbeat_figures(); });

  auto say_ready = [&] {
    (void)worker.send(cluster::wire::internal(cluster::wire::kReady));
    (void)notifier.notify("READY=1");
    if (options.on_ready) options.on_ready();
  };
  std::jthread delayed_ready;  // stopped and joined before the worker goes on
  const auto stopped = worker.run(
      [&app](UniqueFd connection) { app.server().serve(std::move(connection)); }, {},
      [&] {
        if (options.never_ready) return;
        if (options.ready_delay.count() == 0) return say_ready();
        delayed_ready = std::jthread([&, delay = options.ready_delay](std::stop_token stop) {
          std::mutex m;
          std::condition_variable_any cv;
          std::unique_lock lock(m);
          cv.wait_for(lock, stop, delay, [] { return false; });
          if (!stop.stop_requested()) say_ready();
        });
      });
  if (delayed_ready.joinable()) {
    delayed_ready.request_stop();
    delayed_ready.join();
  }
  if (stopped.reason == cluster::WorkerRuntime::StopReason::Failed) {
    fmt::print(stderr, "Worker {} {}\n", pid, describe(stopped));
    app.server().close_all();
    return 1;
  }

  if (options.naive) {
    // The pitfall: requests in flight and hooks are simply dropped.
    fmt::print(stderr, "Worker {} {}, exiting at once (naive)\n", pid, describe(stopped));
    std::fflush(nullptr);
    // exit_group directly: the same as _exit(), but sanitizers' _exit hooks (which wait
    // for running threads) cannot turn the abrupt exit into a graceful one.
    ::syscall(SYS_exit_group, 0);
  }
  // Graceful stop: no new connections (the runtime closed its listener), let the ones in
  // flight finish, then the hooks.
  fmt::print(stderr,
             "Worker {} {}, graceful shutdown: {} connections open, {} requests in flight\n", pid,
             describe(stopped), app.server().open_connections(), app.server().requests_in_flight());
  const auto stop = options.stop_sequence ? options.stop_sequence : lifecycle::stop_gracefully;
  const int status = stop(
      app.server(), hooks,
      {.drain_timeout = options.drain_timeout,
       .announce =
           [&] {
             (void)notifier.notify("STOPPING=1");
             (void)worker.send(cluster::wire::internal(cluster::wire::kStopping));
           },
       .log =
           [pid](const std::string& line) { fmt::print(stderr, "Worker {}: {}\n", pid, line); }});
  app.server().close_all();
  return status;
}

}  // namespace clab::http
