#include "native_cluster_program.hpp"

#include "cli/cli_error.hpp"
#include "cluster/environment.hpp"
#include "cluster_flags.hpp"

namespace clab::demos {

int run_native_cluster(int argc, char** argv, const WorkerConfigure& configure) {
  CLI::App app{"A primary forks one HTTP worker per core on one port and respawns the dead.",
               "native-cluster"};
  app.footer(
      "Signals (primary): SIGINT, SIGTERM stop the cluster: each worker gets SIGINT (or a\n"
      "  shutdown message), drains, and is killed after --kill-timeout; a second signal kills\n"
      "  at once. Workers drain on SIGINT/SIGTERM too (and are then respawned).\n"
      "Exit status: 0 stopped cleanly, 1 a worker had to be killed, failed its stop (exited\n"
      "  non-zero: a drain past its deadline) or the start failed, 2 bad flags.");
  clab::demos::ClusterFlags flags;
  clab::demos::add_cluster_flags(app, flags);
  if (auto exit_status = clab::cli::parse(app, argc, argv)) return *exit_status;

  if (clab::cluster::is_worker()) {
    auto options = worker_options(flags);
    options.configure = configure;
    return clab::http::run_worker(options);
  }
  return clab::demos::run_primary("native-cluster", flags, argc, argv);
}

}  // namespace clab::demos
