// A quantile from counts in the latency buckets of core/latency_buckets.hpp, as Prometheus's
// histogram_quantile() computes it: find the bucket holding the rank, interpolate linearly
// inside it. Exact to the bucket; inside it an estimate. What lands in the last (+Inf)
// bucket reads as the highest bound.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/latency_buckets.hpp"

namespace clab::monitor {

using LatencyCounts = std::array<std::uint64_t, kLatencyBucketCount>;

// q in [0, 1]; nullopt when the counts are all zero.
std::optional<double> latency_quantile_ms(const LatencyCounts& counts, double q);

}  // namespace clab::monitor
