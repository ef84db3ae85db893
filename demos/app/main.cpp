// clusterlab-app: the seed's NestJS app stand-in, the program pm runs. It serves the worker
// routes (/, /health, /work, /sleep, /count) and /api/health, the URL the seed load-tests.
//
// Run alone (pm's fork mode), it listens on --port (default: $PORT, else 3000); started by
// a cluster primary (pm's cluster mode) it takes its connections from it; started by
// systemd-style socket activation (LISTEN_FDS) it serves that socket. It prints one line
// when it is ready and one when it stops, and drains on SIGINT/SIGTERM.
//
// Fault injection, for the harness and the lessons: --leak-mb-per-s grows its memory
// (max_memory_restart's case), --never-ready never says ready (a broken release),
// --ready-delay says it late, --exit-after-ms crashes it after a while.
//
// Exit status: 0 after a complete drain, 1 when it failed or the drain ran out of time,
// 2 bad flags.
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "cli/cli_error.hpp"
#include "cluster/environment.hpp"
#include "http/worker_main.hpp"
#include "net/activated_socket.hpp"
#include "net/socket_address.hpp"
#include "net/tcp_listener.hpp"
#include "serving_flags.hpp"

#include <condition_variable>

namespace {

struct AppFlags {
  std::string host = "127.0.0.1";
  int port = 3000;
  clab::demos::ServingFlags serving;
  // Fits the seed's kill_timeout of 5000 ms, with room for a loaded machine: the drain
  // ends as soon as the last connection does, so this is only a bound.
  int drain_timeout_ms = 4500;
  int idle_grace_ms = 3000;
  double leak_mb_per_s = 0;
  bool never_ready = false;
  int ready_delay_ms = 0;
  int exit_after_ms = 0;
  bool fault_routes = false;
};

int default_port() {
  const auto port = clab::cluster::env_integer("PORT");
  return port && *port >= 0 && *port <= 65535 ? static_cast<int>(*port) : 3000;
}

// Grows the process's resident memory by `mb_per_s` (touched pages) until stopped.
class MemoryLeak {
 public:
  explicit MemoryLeak(double mb_per_s) {
    if (mb_per_s <= 0) return;
    thread_ = std::jthread([this, mb_per_s](std::stop_token stop) {
      const auto chunk = static_cast<std::size_t>(mb_per_s * 1024 * 1024 / 10);
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      while (!cv.wait_for(lock, stop, std::chrono::milliseconds(100), [] { return false; })) {
        auto block = std::make_unique<char[]>(chunk);
        for (std::size_t i = 0; i < chunk; i += 4096)
          block[i] = 1;
        leaked_.push_back(std::move(block));
      }
    });
  }

 private:
  std::vector<std::unique_ptr<char[]>> leaked_;
  std::jthread thread_;  // declared last: stopped before leaked_ goes
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"The seed's NestJS app stand-in: HTTP routes and /api/health, run by pm.",
               "clusterlab-app"};
  cli.footer(
      "Alone it listens on --port ($PORT, default 3000); under a cluster primary (pm's\n"
      "  cluster mode) or socket activation (LISTEN_FDS) it serves the socket it is given.\n"
      "Signals: SIGINT, SIGTERM drain requests in flight and exit.\n"
      "Exit status: 0 drained, 1 failed or the drain ran out of time, 2 bad flags.");
  AppFlags flags;
  flags.port = default_port();
  cli.add_option("-p,--port", flags.port, "TCP port when run alone ($PORT)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cli.add_option("--host", flags.host, "IP address to listen on when run alone")
      ->check(clab::cli::ip_address())
      ->capture_default_str();
  clab::demos::add_serving_flags(cli, flags.serving);
  cli.add_option("--drain-timeout", flags.drain_timeout_ms,
                 "ms requests in flight get to finish on a stop")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cli.add_option("--idle-grace", flags.idle_grace_ms,
                 "ms a connection idle when the drain begins may still bring a request "
                 "(at most the drain timeout)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cli.add_option("--leak-mb-per-s", flags.leak_mb_per_s, "fault: grow memory this fast (MB/s)")
      ->check(clab::cli::finite_range(0, 1024));
  cli.add_flag("--never-ready", flags.never_ready, "fault: listen but never say ready");
  cli.add_option("--ready-delay", flags.ready_delay_ms, "fault: say ready this many ms late")
      ->check(CLI::Range(0, 600000));
  cli.add_option("--exit-after-ms", flags.exit_after_ms, "fault: crash (exit 1) after this long")
      ->check(CLI::Range(0, 86400000));
  cli.add_flag("--fault-routes", flags.fault_routes,
               "fault: serve /hang, which blocks the worker for ever (heartbeat_timeout's case)");
  if (auto exit_status = clab::cli::parse(cli, argc, argv)) return *exit_status;

  const pid_t pid = ::getpid();
  clab::http::WorkerOptions options;
  clab::demos::apply_serving_flags(flags.serving, options);
  options.drain_timeout = std::chrono::milliseconds(flags.drain_timeout_ms);
  options.connections.idle_grace = std::chrono::milliseconds(flags.idle_grace_ms);
  options.never_ready = flags.never_ready;
  options.fault_routes = flags.fault_routes;
  options.ready_delay = std::chrono::milliseconds(flags.ready_delay_ms);
  std::string listening_on = "the cluster's port";
  options.standalone_listener = [&]() -> clab::Result<clab::UniqueFd> {
    auto activated = clab::net::take_activated_socket();
    if (!activated) return activated.error();
    if (activated.value()) {
      listening_on = "the socket it was given (LISTEN_FDS)";
      return std::move(*activated.value());
    }
    auto listener = clab::net::bind_tcp(flags.host, static_cast<std::uint16_t>(flags.port), {});
    if (!listener) return listener.error();
    auto port = clab::net::bound_port(listener.value().get());
    if (!port) return port.error();
    listening_on = "http://" + clab::net::host_port(flags.host, port.value());
    return listener;
  };
  options.on_ready = [&] {
    fmt::print("App {} ready, serving {}\n", pid, listening_on);
    std::fflush(stdout);
  };
  std::unique_ptr<MemoryLeak> leak;
  std::jthread crash;
  options.configure = [&](clab::http::WorkerApp& app, clab::lifecycle::ShutdownHooks&) {
    app.router().get("/api/health", [pid](const clab::http::Request&, clab::http::Reply& reply) {
      reply.send(clab::http::json_response({{"status", "ok"}, {"pid", pid}}));
    });
    leak = std::make_unique<MemoryLeak>(flags.leak_mb_per_s);
    if (flags.exit_after_ms > 0) {
      crash = std::jthread([ms = flags.exit_after_ms, pid](std::stop_token stop) {
        std::mutex m;
        std::condition_variable_any cv;
        std::unique_lock lock(m);
        if (cv.wait_for(lock, stop, std::chrono::milliseconds(ms), [] { return false; })) return;
        fmt::print(stderr, "App {} crashes (--exit-after-ms {})\n", pid, ms);
        std::fflush(nullptr);
        std::_Exit(1);
      });
    }
  };
  fmt::print("App {} starting\n", pid);
  std::fflush(stdout);
  const int status = clab::http::run_worker(options);
  fmt::print("App {} stopped (exit status {})\n", pid, status);
  return status;
}
