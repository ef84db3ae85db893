// graceful-shutdown: the lesson's third program. A cluster (or one process, --workers 1)
// whose workers, on SIGINT or SIGTERM, stop accepting, let requests in flight finish, then
// run their shutdown hooks; one hook writes the access log to a file, so a lost hook shows
// as lost lines. --naive exits at once instead, to show what that loses. The other flags
// inject the faults the harness checks need: a worker slow to become ready, one that never
// does, one that ignores stop signals, one that dies at start.
//
// Signals: as native-cluster. Exit status: 0 stopped cleanly, 1 a worker had to be killed,
// a shutdown hook failed or the start failed, 2 bad flags (an --access-log that cannot be
// opened for appending among them).
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

namespace {

// Access log lines kept in memory and written to the file by a shutdown hook.
class AccessLog {
 public:
  void add(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  // Throws, naming the file and the reason, when the lines cannot all be written.
  void flush_to(const std::string& path) {
    std::lock_guard lock(mutex_);
    std::ofstream out(path, std::ios::app);
    for (const auto& line : lines_)
      out << line << '\n';
    out.flush();
    if (!out) {
      throw std::runtime_error(fmt::format("cannot append {} lines to '{}': {}", lines_.size(),
                                           path, std::strerror(errno)));
    }
    lines_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A cluster that shuts down gracefully: drain, hooks, exit.", "graceful-shutdown"};
  app.footer(
      "Signals: SIGINT, SIGTERM to the primary stop the cluster; to a worker, drain that worker\n"
      "  (it is respawned). Exit status: 0 stopped cleanly, 1 a worker had to be killed, a\n"
      "  shutdown hook failed or the start failed, 2 bad flags.");
  clab::demos::ClusterFlags flags;
  clab::demos::add_cluster_flags(app, flags);
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
  if (auto exit_status = clab::cli::parse(app, argc, argv)) return *exit_status;
  if (!access_log.empty() && !std::ofstream(access_log, std::ios::app)) {
    fmt::print(stderr, "graceful-shutdown: --access-log '{}': cannot open it for appending: {}\n",
               access_log, std::strerror(errno));
    return clab::cli::kExitUsage;
  }

  if (!clab::cluster::is_worker())
    return clab::demos::run_primary("graceful-shutdown", flags, argc, argv);

  if (crash_at_start && clab::cluster::env_integer(clab::cluster::kEnvInstance) == 0) return 3;
  auto options = clab::demos::worker_options(flags);
  options.naive = naive;
  options.never_ready = never_ready;
  options.ignore_stop_signals = ignore_signals;
  options.ready_delay = std::chrono::milliseconds(ready_delay_ms);
  AccessLog log;
  options.configure = [&](clab::http::WorkerApp& worker_app,
                          clab::lifecycle::ShutdownHooks& hooks) {
    worker_app.router().set_logger(
        [&log](const clab::http::Request& req, const clab::http::Response& res) {
          log.add(fmt::format("{} {} {} {}", ::getpid(), req.method, req.target, res.status));
        });
    if (!access_log.empty()) {
      hooks.add("flush-access-log", std::chrono::milliseconds(500),
                [&] { log.flush_to(access_log); });
    }
    hooks.add("announce", std::chrono::milliseconds(100),
              [] { fmt::print(stderr, "Worker {}: shutdown hooks done\n", ::getpid()); });
  };
  fmt::print(stderr, "Worker {} serving; SIGINT or SIGTERM starts a graceful shutdown\n",
             ::getpid());
  return clab::http::run_worker(options);
}
