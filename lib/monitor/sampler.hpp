// Sampler: turns InstanceSources into InstanceFigures, once a second or whenever a view asks.
// CPU and resident memory come from /proc/PID/stat, the memory breakdown from
// /proc/PID/smaps_rollup, request figures from the heartbeats. Rates (CPU %, requests per
// second) and latency percentiles are differences between two readings, so it keeps the
// previous reading per pid: the first sample of a process has them at zero (or none).
// Request rates and percentiles are taken between heartbeats, not samples, so they do not
// jitter with how many beats fell into a sample; a worker whose last beat is older than
// kStaleHeartbeat has no current rate (0) and no percentiles.
// Not thread-safe: one Sampler per thread (the primary's loop, the daemon's).
#pragma once

#include <map>
#include <vector>

#include "monitor/instance_figures.hpp"

namespace clab::monitor {

class Sampler {
 public:
  static constexpr std::chrono::milliseconds kStaleHeartbeat{2000};

  // memory_breakdown false: RSS only, no smaps_rollup (cheaper).
  explicit Sampler(bool memory_breakdown = true) : memory_breakdown_(memory_breakdown) {}

  std::vector<InstanceFigures> sample(const std::vector<InstanceSource>& sources,
                                      Clock::time_point now = Clock::now());

 private:
  struct Previous {
    std::uint64_t cpu_ticks = 0;
    Clock::time_point sampled_at;
    double cpu_percent = 0;
    // The heartbeat the request rates are measured from, and the latest one seen.
    Clock::time_point window_from;
    std::uint64_t answered_from = 0;
    LatencyCounts counts_from{};
    Clock::time_point last_beat;
    double per_second = 0;
    std::optional<double> p50_ms, p99_ms;
  };
  void add_requests(const InstanceSource& source, Previous& previous, bool fresh,
                    Clock::time_point now, InstanceFigures& figures);

  bool memory_breakdown_;
  std::map<pid_t, Previous> previous_;
};

}  // namespace clab::monitor
