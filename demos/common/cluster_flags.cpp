#include "cluster_flags.hpp"

#include <fmt/format.h>

#include "cli/cli_error.hpp"
#include "cluster/event_log.hpp"
#include "monitor/monitor_server.hpp"

namespace clab::demos {

void add_cluster_flags(CLI::App& app, ClusterFlags& f) {
  app.add_option("-w,--workers", f.workers, "number of workers, or 'max' for one per core")
      ->check(cli::count_or_max(1024))
      ->capture_default_str();
  app.add_option("-p,--port", f.port, "TCP port; 0 picks a free one and prints it")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--host", f.host, "IP address to listen on: 127.0.0.1, ::1, 0.0.0.0, ::")
      ->check(cli::ip_address())
      ->capture_default_str();
  app.add_option("--policy", f.policy, "how workers share the port")
      ->check(CLI::IsMember({"round-robin", "shared", "reuseport"}))
      ->capture_default_str();
  add_serving_flags(app, f.serving);
  app.add_flag("--json", f.json, "print cluster events as JSON lines");
  app.add_option("--kill-timeout", f.kill_timeout_ms, "ms a stopping worker gets before SIGKILL")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_flag("--wait-ready", f.wait_ready, "a worker is up only once it says 'ready'");
  app.add_option("--listen-timeout", f.listen_timeout_ms,
                 "with --wait-ready: ms to become ready before being killed")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_flag("--shutdown-with-message", f.shutdown_with_message,
               "stop workers with a 'shutdown' IPC message instead of SIGINT");
  app.add_option("--drain-timeout", f.drain_timeout_ms,
                 "ms a stopping worker lets requests in flight finish")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--idle-grace", f.idle_grace_ms,
                 "ms a connection idle when the drain begins may still bring a request "
                 "(at most the drain timeout)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--request-timeout", f.request_timeout_ms,
                 "ms a request may take to arrive whole from its first byte; then 408 and close")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  app.add_option("--restart-delay", f.restart_delay_ms, "ms before a dead worker is restarted")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  app.add_option("--exp-backoff-restart-delay", f.exp_backoff_restart_delay_ms,
                 "first restart delay in ms, growing x1.5 per restart up to 15 s (0: off)")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  app.add_option("--min-uptime", f.min_uptime_ms, "ms a worker must run to count as started")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  app.add_option("--max-restarts", f.max_restarts,
                 "unstable restarts in a row before a worker slot is left errored")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--heartbeat-timeout", f.heartbeat_timeout_ms,
                 "ms without a heartbeat before a worker is hung: killed and replaced (0: off)")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  app.add_flag("--fault-routes", f.fault_routes,
               "serve /hang, which blocks a worker for ever (to try --heartbeat-timeout)");
  app.add_option("--metrics-port", f.metrics_port,
                 "serve Prometheus /metrics on 127.0.0.1:PORT (0: a free port, printed)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--dashboard-port", f.dashboard_port,
                 "serve the live dashboard on 127.0.0.1:PORT (0: a free port, printed)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--backend", f.backend,
                 "shared store for /shared-count: sqlite:PATH or redis://HOST:PORT/DB")
      ->capture_default_str();
}

cluster::ClusterSettings cluster_settings(const ClusterFlags& f, int argc, char** argv) {
  using std::chrono::milliseconds;
  cluster::ClusterSettings s;
  s.workers = cli::resolve_count_or_max(f.workers);
  s.policy = *cluster::parse_listen_policy(f.policy);
  s.host = f.host;
  s.port = static_cast<std::uint16_t>(f.port);
  s.kill_timeout = milliseconds(f.kill_timeout_ms);
  s.shutdown_with_message = f.shutdown_with_message;
  s.wait_ready = f.wait_ready;
  s.listen_timeout = milliseconds(f.listen_timeout_ms);
  s.respawn.restart_delay = milliseconds(f.restart_delay_ms);
  s.respawn.exp_backoff_restart_delay = milliseconds(f.exp_backoff_restart_delay_ms);
  s.respawn.min_uptime = milliseconds(f.min_uptime_ms);
  s.respawn.max_restarts = f.max_restarts;
  s.heartbeat_timeout = milliseconds(f.heartbeat_timeout_ms);
  s.argv.assign(argv, argv + argc);
  return s;
}

http::WorkerOptions worker_options(const ClusterFlags& f) {
  http::WorkerOptions options;
  apply_serving_flags(f.serving, options);
  options.drain_timeout = std::chrono::milliseconds(f.drain_timeout_ms);
  options.connections.idle_grace = std::chrono::milliseconds(f.idle_grace_ms);
  options.connections.request_timeout = std::chrono::milliseconds(f.request_timeout_ms);
  options.backend = f.backend;
  options.fault_routes = f.fault_routes;
  return options;
}

int run_primary(const std::string& program, const ClusterFlags& flags, int argc, char** argv,
                const PrimaryHooks& hooks) {
  std::unique_ptr<coord::Coordinator> store;
  if (!flags.backend.empty()) {
    auto opened = coord::open_coordinator(flags.backend);
    if (!opened) {
      fmt::print(stderr, "{}: --backend: {}\n", program, opened.error().message);
      return cli::kExitUsage;
    }
    store = std::move(opened).value();
  }
  cluster::EventLog log(flags.json ? cluster::EventLog::Format::Json
                                   : cluster::EventLog::Format::Human);
  const cluster::Primary* running = nullptr;
  monitor::Monitor monitor(
      program, [&running, &program] { return monitor::sources_of(running->group(), program); });
  cluster::Primary primary(cluster_settings(flags, argc, argv),
                           monitor.recording(log.events(), program));
  running = &primary;
  if (auto started = primary.start(); !started) {
    fmt::print(stderr, "{}: {}\n", program, started.error().message);
    return 1;
  }
  log.primary_running(primary);
  std::vector<std::unique_ptr<monitor::MonitorServer>> pages;
  for (auto [what, port, path] : {std::tuple{"metrics", flags.metrics_port, "/metrics"},
                                  std::tuple{"dashboard", flags.dashboard_port, "/"}}) {
    if (port < 0) continue;
    auto server = monitor::MonitorServer::start(primary.loop(), monitor, "127.0.0.1",
                                                static_cast<std::uint16_t>(port));
    if (!server) {
      fmt::print(stderr, "{}: --{}-port: {}\n", program, what, server.error().message);
      return 1;
    }
    log.serving(what, server.value()->url(path), server.value()->port());
    pages.push_back(std::move(server).value());
  }
  if (hooks.started) hooks.started(store.get());
  const int status = primary.run();
  if (hooks.stopped) hooks.stopped(store.get());
  log.primary_stopped(status);
  return status;
}

}  // namespace clab::demos
