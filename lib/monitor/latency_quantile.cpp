#include "monitor/latency_quantile.hpp"

#include <numeric>

namespace clab::monitor {

std::optional<double> latency_quantile_ms(const LatencyCounts& counts, double q) {
  const std::uint64_t total = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  if (total == 0) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0 || static_cast<double>(below + counts[i]) < rank) {
      below += counts[i];
      continue;
    }
    if (i == kLatencyBoundsMs.size()) return kLatencyBoundsMs.back();  // +Inf
    const double lower = i == 0 ? 0.0 : kLatencyBoundsMs[i - 1];
    const double upper = kLatencyBoundsMs[i];
    const double into = (rank - static_cast<double>(below)) / static_cast<double>(counts[i]);
    return lower + (upper - lower) * into;
  }
  return kLatencyBoundsMs.back();
}

}  // namespace clab::monitor
