// native-cluster: the lesson's first program. A primary forks one worker per core, all
// serving HTTP on one port under the chosen listen policy, and respawns any that die.
//
// Signals (primary): SIGINT, SIGTERM stop the cluster (a second one kills at once).
// Exit status: 0 stopped cleanly, 1 a worker had to be killed or a start failed, 2 usage.
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "cli/cli_error.hpp"
#include "cluster/environment.hpp"
#include "cluster/event_log.hpp"
#include "cluster/primary.hpp"
#include "http/worker_main.hpp"

namespace cluster = clab::cluster;

int main(int argc, char** argv) {
  CLI::App app{"A primary forks one HTTP worker per core on one port and respawns the dead.",
               "native-cluster"};
  app.footer(
      "Signals (primary): SIGINT, SIGTERM stop the cluster: each worker is asked to stop and\n"
      "  gets SIGTERM, then SIGKILL after --kill-timeout; a second signal kills at once.\n"
      "Exit status: 0 stopped cleanly, 1 a worker had to be killed or the start failed,\n"
      "  2 bad flags.");
  std::string workers = "max";
  std::string policy = "round-robin";
  std::string host = "127.0.0.1";
  int port = 3000;
  int kill_timeout_ms = 1600;
  std::size_t threads = 512;
  bool json = false;
  app.add_option("-w,--workers", workers, "number of workers, or 'max' for one per core")
      ->check(clab::cli::count_or_max(1024))
      ->capture_default_str();
  app.add_option("-p,--port", port, "TCP port; 0 picks a free one and prints it")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--host", host, "IPv4 address to listen on")->capture_default_str();
  app.add_option("--policy", policy, "how workers share the port")
      ->check(CLI::IsMember({"round-robin", "shared", "reuseport"}))
      ->capture_default_str();
  app.add_option("--kill-timeout", kill_timeout_ms, "ms a stopping worker gets before SIGKILL")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--threads", threads, "most request threads per worker (one per connection)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_flag("--json", json, "print cluster events as JSON lines");
  if (auto exit_status = clab::cli::parse(app, argc, argv)) return *exit_status;

  if (cluster::is_worker())
    return clab::http::run_worker({.connections = {.max_threads = threads}});

  cluster::ClusterSettings settings;
  settings.workers = clab::cli::resolve_count_or_max(workers);
  settings.policy = *cluster::parse_listen_policy(policy);
  settings.host = host;
  settings.port = static_cast<std::uint16_t>(port);
  settings.kill_timeout = std::chrono::milliseconds(kill_timeout_ms);
  settings.argv.assign(argv, argv + argc);

  cluster::EventLog log(json ? cluster::EventLog::Format::Json : cluster::EventLog::Format::Human);
  cluster::Primary primary(settings, log.events());
  if (auto started = primary.start(); !started) {
    fmt::print(stderr, "native-cluster: {}\n", started.error().message);
    return 1;
  }
  log.primary_running(primary);
  const int status = primary.run();
  log.primary_stopped(status);
  return status;
}
