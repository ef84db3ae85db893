#include "http/request_stats.hpp"

#include <algorithm>

namespace clab::http {

void RequestStats::record(std::chrono::nanoseconds elapsed) {
  const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  const auto bound = std::lower_bound(kLatencyBoundsMs.begin(), kLatencyBoundsMs.end(), ms);
  buckets_[static_cast<std::size_t>(bound - kLatencyBoundsMs.begin())].fetch_add(
      1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed.count(), 0)),
                    std::memory_order_relaxed);
  answered_.fetch_add(1, std::memory_order_relaxed);
}

nlohmann::json RequestStats::snapshot() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& b : buckets_)
    buckets.push_back(b.load(std::memory_order_relaxed));
  return {{"answered", answered()},
          {"latency_sum_ms", static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e6},
          {"latency_buckets", std::move(buckets)}};
}

}  // namespace clab::http
