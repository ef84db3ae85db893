// Starting one process of a WorkerGroup: the command, environment, working directory and
// stdio of its ClusterSettings, plus what the worker's protocol adds (a SpawnPlan).
//
// Everything is prepared before fork(); the child only calls async-signal-safe functions
// until exec. The child dies with its primary (PR_SET_PDEATHSIG), and one whose primary died
// before that was set exits at once.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace clab::cluster {

struct ClusterSettings;

// What a protocol asks for one process.
struct SpawnPlan {
  // Variables set, over the inherited environment (which loses every CLUSTERLAB_ variable,
  // systemd's NOTIFY_SOCKET and LISTEN_* and whatever is named here).
  std::vector<std::pair<std::string, std::string>> environment;
  // Kept open across exec under its own number (an IPC channel's child end).
  int inherit_fd = -1;
  // Becomes descriptor 3 with LISTEN_PID set to the child's pid (systemd socket activation).
  int activation_fd = -1;
};

// Forks and execs settings.executable; `instance` picks the slot's stdio and variables.
Result<pid_t> spawn_worker(const ClusterSettings& settings, int instance, const SpawnPlan& plan);

}  // namespace clab::cluster
