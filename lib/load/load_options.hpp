// What a load test does: the target, the request, how many connections and how fast.
// Flags mirror autocannon's (demos/loadgen); the engine mirrors wrk and wrk2.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "load/url.hpp"

namespace clab::load {

struct LoadOptions {
  Target target;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int connections = 10;
  double duration_s = 10;
  std::uint64_t amount = 0;  // total requests; 0: run for duration_s instead
  int pipelining = 1;        // requests in flight per connection
  int threads = 1;
  double overall_rate = 0;     // requests/s over all connections; 0: as fast as possible
  double connection_rate = 0;  // requests/s per connection; 0: as fast as possible
  double timeout_s = 10;       // a request unanswered this long counts as a timeout
  double warmup_s = 0;         // load applied but not recorded before the measured run
  bool ignore_coordinated_omission = false;  // rate mode: measure from actual send time
  std::uint64_t bailout = 0;                 // stop after this many errors; 0: never
  bool exclude_errors = false;  // leave non-2xx responses out of latency and throughput

  bool rate_limited() const { return overall_rate > 0 || connection_rate > 0; }
  // Requests per second each connection is paced at, 0 when unpaced.
  double per_connection_rate() const {
    if (connection_rate > 0) return connection_rate;
    return overall_rate > 0 ? overall_rate / connections : 0;
  }
};

// The bytes of one request as sent on the wire.
std::string render_request(const LoadOptions& options);

}  // namespace clab::load
