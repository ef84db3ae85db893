// PmHome: where pm keeps its state, PM2's PM2_HOME: $PM_HOME, else ~/.clusterlab.
//
//   pm.sock     the daemon's control socket (mode 0600)
//   pm.pid      the daemon's pid
//   pm.log      the daemon's own log
//   dump.json   the app list `pm save` wrote and `pm resurrect` reads
//   logs/       the apps' logs, NAME-out-ID.log and NAME-error-ID.log
#pragma once

#include <string>

#include "core/error.hpp"

namespace clab::pm {

struct PmHome {
  std::string root;

  // From $PM_HOME, else $HOME/.clusterlab; the directory is created (mode 0700).
  static Result<PmHome> locate();

  std::string socket() const { return root + "/pm.sock"; }
  std::string pid_file() const { return root + "/pm.pid"; }
  std::string daemon_log() const { return root + "/pm.log"; }
  std::string dump() const { return root + "/dump.json"; }
  std::string logs() const { return root + "/logs"; }
};

}  // namespace clab::pm
