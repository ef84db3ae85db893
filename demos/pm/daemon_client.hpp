// The CLI's way to its daemon: start it on first use (as PM2 starts its God daemon), then
// one request, one response over the control socket.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "pm/daemon.hpp"
#include "pm/pm_home.hpp"

namespace clab::pm {

// pm-daemon, beside this program.
std::string daemon_executable();

// Pings the daemon; when none answers, starts one (detached: its own session, its output in
// PM_HOME/pm.log) and waits until its socket listens. Two CLIs at once start one daemon.
Status ensure_daemon(const PmHome& home);
// Asks the daemon to stop every app and exit, and returns its answer once its process is
// gone, so that a `pm start` right after starts a new daemon. Null when no daemon answered.
Result<nlohmann::json> kill_daemon(const PmHome& home);
// Sends the request; `timeout_ms` bounds the wait for the answer.
Result<nlohmann::json> ask_daemon(const PmHome& home, const nlohmann::json& request,
                                  int timeout_ms = 600'000);

}  // namespace clab::pm
