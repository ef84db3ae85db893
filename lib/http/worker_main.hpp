// The body of every demo's worker process: attach to the primary, serve WorkerApp on the
// connections the listen policy delivers, stop on disconnect, SIGINT/SIGTERM or when the
// primary goes away.
#pragma once

#include "http/connection_server.hpp"

namespace clab::http {

// Returns the process exit status: 0 after a requested stop, 1 on failure.
int run_worker(ConnectionSettings settings = {});

}  // namespace clab::http
