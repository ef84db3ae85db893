// Drain under full load: a cluster serves a full-rate keep-alive load while one worker after
// another gets SIGTERM at a random moment of it (each is drained and replaced), and every
// request that got no 2xx response is counted. A graceful stop loses nothing: no request
// that reached the server, whether in flight, pipelined, on its way on an idle keep-alive
// connection, or waiting in a queue a sibling can serve.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "check.hpp"

namespace clab::harness {

struct DrainTries {
  int tries = 0;                              // SIGTERMs sent under load
  std::vector<std::uint64_t> failed_per_try;  // requests without a 2xx response, per try
  std::uint64_t responses = 0;
  std::uint64_t failed() const;
  int tries_with_failures() const;
};

// Runs `tries` tries on one cluster of context.workers workers with `policy`; each try is
// a one-second load of `connections` keep-alive connections on / with a SIGTERM to the
// worker in slot (try % workers). Failures to run are recorded in `result`.
DrainTries drain_under_load(const CheckContext& context, cluster::ListenPolicy policy, int tries,
                            int connections, CheckResult& result);

}  // namespace clab::harness
