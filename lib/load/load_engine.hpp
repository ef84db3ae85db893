// The load engine: wrk's design. Each thread runs its own epoll loop over its share of the
// connections (non-blocking, keep-alive, pipelined); counters and the latency histogram are
// per thread and merged once at the end, so threads share nothing on the hot path.
//
// Closed loop (default): every connection keeps `pipelining` requests in flight and sends
// the next as soon as a response arrives. Rate mode (-R/-r): each connection sends on a
// fixed schedule, and latency is measured from each request's *intended* send time, as
// wrk2 does, so a stalled server cannot hide its stall by slowing the client down
// (coordinated omission); -C measures from the actual send time instead.
#pragma once

#include "net/socket_address.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "load/load_options.hpp"
#include "load/load_stats.hpp"

namespace clab::load {

struct LoadResult {
  LoadStats stats;
  double elapsed_s = 0;       // the measured run, warm-up excluded, drain included
  std::int64_t start_ms = 0;  // wall-clock start of the measured run (ms since the epoch)
  std::int64_t finish_ms = 0;
  bool bailed_out = false;
};

// Responses counted so far, per thread, readable while the run goes on (for a progress
// bar). Each counter is written by its own thread only.
class LoadProgress {
 public:
  explicit LoadProgress(int threads) : counters_(static_cast<std::size_t>(threads)) {}
  std::uint64_t responses() const;
  std::atomic<std::uint64_t>& counter(int thread) {
    return counters_[static_cast<std::size_t>(thread)].value;
  }

 private:
  struct alignas(64) Padded {
    std::atomic<std::uint64_t> value{0};
  };
  std::vector<Padded> counters_;
};

// Resolves the target's host: an IPv4 or IPv6 literal as it is, a name to its IPv4 address
// (its IPv6 one when it has none).
Result<net::SocketAddress> resolve(const Target& target);
// Connects once and closes: fails fast, with a clear reason, on an unreachable target.
Status check_reachable(const net::SocketAddress& address, const Target& target,
                       std::chrono::milliseconds timeout);

// Runs the load test to completion. `progress` may be null.
Result<LoadResult> run_load(const LoadOptions& options, LoadProgress* progress = nullptr);

}  // namespace clab::load
