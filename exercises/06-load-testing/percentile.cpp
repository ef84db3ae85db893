// Exercise percentile (lesson 6): the figure a load test should quote.
//
// autocannon, wrk and loadgen print latency as percentiles: the 50 % column is the median
// (half the requests were faster), 99 % the tail (what the slowest one in a hundred
// waited). The function below is what many home-made load tests print instead: the
// average, which a few very slow requests barely move. Make it the nearest-rank
// percentile described in percentile.hpp; its check (percentile_check.cpp) tries it on
// samples whose right answers are known, and says which one is wrong.
#include "percentile.hpp"

#include <numeric>

double percentile(std::vector<double> latencies_ms, double p) {
  (void)p;
  if (latencies_ms.empty()) return 0;
  return std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0) /
         static_cast<double>(latencies_ms.size());
}
