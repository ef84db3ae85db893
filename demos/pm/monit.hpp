// `pm monit`: the terminal dashboard. Asks the daemon for its list each second, shows it
// (MonitScreen) and acts on keys: up/down (or k/j) select, r restarts the selected process,
// l reloads its app (gracefully, instance by instance), q quits.
#pragma once

#include "pm/pm_home.hpp"

namespace clab::pm {

// Returns the exit status: 0 after q, 1 when the terminal cannot be used.
int run_monit(const PmHome& home);

}  // namespace clab::pm
