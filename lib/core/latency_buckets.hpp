// The latency buckets a worker counts its requests in and every view reads them with
// (heartbeats, /metrics histograms, p50/p99 in pm monit and the dashboard): upper bounds
// in milliseconds, Prometheus-style, then one bucket for everything slower.
#pragma once

#include <array>
#include <cstddef>

namespace clab {

inline constexpr std::array<double, 17> kLatencyBoundsMs = {
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
// One count per bound, and the last for what is slower than every bound (+Inf).
inline constexpr std::size_t kLatencyBucketCount = kLatencyBoundsMs.size() + 1;

}  // namespace clab
