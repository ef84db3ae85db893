// native-cluster: the lesson's first program. A primary forks one worker per core, all
// serving HTTP on one port under the chosen listen policy, and respawns any that die.
//
// Signals (primary): SIGINT, SIGTERM stop the cluster (a second one kills at once).
// Exit status: 0 stopped cleanly, 1 a worker had to be killed, one failed its stop (exited
// non-zero) or a start failed, 2 usage.
#include "cli/cli_error.hpp"
#include "cluster/environment.hpp"
#include "cluster_flags.hpp"

int main(int argc, char** argv) {
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

  if (clab::cluster::is_worker()) return clab::http::run_worker(clab::demos::worker_options(flags));
  return clab::demos::run_primary("native-cluster", flags, argc, argv);
}
