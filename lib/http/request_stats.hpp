// RequestStats: what a worker's server counts of the requests it answered, for its
// heartbeats: how many, and how long each took from being read whole to being answered, in
// the buckets of core/latency_buckets.hpp. Counts only grow; a reader takes the difference
// between two snapshots. Thread-safe: record() from any serving thread, snapshot() from any.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/latency_buckets.hpp"

namespace clab::http {

class RequestStats {
 public:
  void record(std::chrono::nanoseconds elapsed);
  std::uint64_t answered() const { return answered_.load(std::memory_order_relaxed); }
  // {"answered": N, "latency_sum_ms": S, "latency_buckets": [count per bucket]}
  nlohmann::json snapshot() const;

 private:
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
  std::array<std::atomic<std::uint64_t>, kLatencyBucketCount> buckets_{};
};

}  // namespace clab::http
