#include "graceful_shutdown_program.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "cli/cli_error.hpp"
#include "cluster/environment.hpp"
#include "cluster_flags.hpp"

namespace clab::demos {

void AccessLog::open(const std::string& path) {
  std::lock_guard lock(mutex_);
  path_ = path;
  open_ = true;
}

void AccessLog::add(std::string line) {
  std::lock_guard lock(mutex_);
  lines_.push_back(std::move(line));
}

void AccessLog::flush() {
  std::lock_guard lock(mutex_);
  if (!open_) {
    throw std::runtime_error(
        fmt::format("the access log '{}' is closed: {} lines lost", path_, lines_.size()));
  }
  std::ofstream file(path_, std::ios::app);
  for (const auto& line : lines_)
    file << line << '\n';
  file.flush();
  if (!file) {
    throw std::runtime_error(fmt::format("cannot append {} lines to '{}': {}", lines_.size(), path_,
                                         std::strerror(errno)));
  }
  lines_.clear();
}

void AccessLog::close() {
  std::lock_guard lock(mutex_);
  open_ = false;
}

void add_access_log_hooks(lifecycle::ShutdownHooks& hooks, AccessLog& log) {
  // Last registered runs first: the flush, then the close.
  hooks.add("close-access-log", std::chrono::milliseconds(100), [&log] { log.close(); });
  hooks.add("flush-access-log", std::chrono::milliseconds(500), [&log] { log.flush(); });
}

int run_graceful_shutdown(int argc, char** argv, const GracefulProgramCode& code) {
  CLI::App app{"A cluster that shuts down gracefully: drain, hooks, exit.", "graceful-shutdown"};
  app.footer(
      "Signals: SIGINT, SIGTERM to the primary stop the cluster; to a worker, drain that worker\n"
      "  (it is respawned). Exit status: 0 stopped cleanly, 1 a worker had to be killed, a\n"
      "  shutdown hook failed or the start failed, 2 bad flags.");
  ClusterFlags flags;
  add_cluster_flags(app, flags);
  std::string access_log;
  bool naive = false, never_ready = false, ignore_signals = false, crash_at_start = false;
  int ready_delay_ms = 0;
  app.add_option("--access-log", access_log, "file the access-log hook appends to at shutdown");
  app.add_flag("--naive", naive,
               "exit at once on SIGINT/SIGTERM: no drain, no hooks (the pitfall)");
  auto* faults = app.add_option_group("fault injection", "workers that misbehave, for the harness");
  faults->add_option("--ready-delay", ready_delay_ms, "ms after listening before saying 'ready'")
      ->check(CLI::Range(0, 600000));
  faults->add_flag("--never-ready", never_ready, "never say 'ready'");
  faults->add_flag(
      "--ignore-signals", ignore_signals,
      "ignore SIGINT, SIGTERM and the primary's stop messages (only SIGKILL stops it)");
  faults->add_flag("--crash-at-start", crash_at_start,
                   "worker instance 0 exits with status 3 as soon as it starts (a crash loop)");
  if (auto exit_status = cli::parse(app, argc, argv)) return *exit_status;
  if (!access_log.empty() && !std::ofstream(access_log, std::ios::app)) {
    fmt::print(stderr, "graceful-shutdown: --access-log '{}': cannot open it for appending: {}\n",
               access_log, std::strerror(errno));
    return cli::kExitUsage;
  }

  if (!cluster::is_worker()) return run_primary("graceful-shutdown", flags, argc, argv);

  if (crash_at_start && cluster::env_integer(cluster::kEnvInstance) == 0) return 3;
  auto options = worker_options(flags);
  options.naive = naive;
  options.never_ready = never_ready;
  options.ignore_stop_signals = ignore_signals;
  options.ready_delay = std::chrono::milliseconds(ready_delay_ms);
  if (code.stop_sequence) options.stop_sequence = code.stop_sequence;
  AccessLog log;
  if (!access_log.empty()) log.open(access_log);
  options.configure = [&](http::WorkerApp& worker_app, lifecycle::ShutdownHooks& hooks) {
    worker_app.router().set_logger([&log](const http::Request& req, const http::Response& res) {
      log.add(fmt::format("{} {} {} {}", ::getpid(), req.method, req.target, res.status));
    });
    if (!access_log.empty())
      (code.add_access_log_hooks ? code.add_access_log_hooks : add_access_log_hooks)(hooks, log);
    hooks.add("announce", std::chrono::milliseconds(100),
              [] { fmt::print(stderr, "Worker {}: shutdown hooks done\n", ::getpid()); });
  };
  fmt::print(stderr, "Worker {} serving; SIGINT or SIGTERM starts a graceful shutdown\n",
             ::getpid());
  return http::run_worker(options);
}

}  // namespace clab::demos
