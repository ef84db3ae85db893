// native-cluster: the lesson's first program, as a function its main (and an exercise that
// adds its own routes) calls. A primary forks one worker per core, all serving HTTP on one
// port under the chosen listen policy, and respawns any that die.
//
// Signals (primary): SIGINT, SIGTERM stop the cluster (a second one kills at once).
// Exit status: 0 stopped cleanly, 1 a worker had to be killed, one failed its stop (exited
// non-zero) or a start failed, 2 usage.
#pragma once

#include <functional>

#include "http/worker_app.hpp"
#include "lifecycle/shutdown_hooks.hpp"

namespace clab::demos {

// Adds to each worker's app (routes of its own, shutdown hooks) before it serves.
using WorkerConfigure = std::function<void(http::WorkerApp&, lifecycle::ShutdownHooks&)>;

// native-cluster's whole program: flags, primary and workers. Returns the exit status.
int run_native_cluster(int argc, char** argv, const WorkerConfigure& configure = {});

}  // namespace clab::demos
