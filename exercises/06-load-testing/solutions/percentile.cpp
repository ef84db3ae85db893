// Exercise percentile (lesson 6), solved: sort, then take the sample at rank ceil(p/100 x n)
// (1-based). Sorting costs n log n; load tools keep a histogram instead (loadgen's is an
// HDR histogram), which answers the same question in constant memory.
#include "percentile.hpp"

#include <algorithm>
#include <cmath>

double percentile(std::vector<double> latencies_ms, double p) {
  if (latencies_ms.empty()) return 0;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto n = static_cast<double>(latencies_ms.size());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
  return latencies_ms[std::clamp<std::size_t>(rank, 1, latencies_ms.size()) - 1];
}
