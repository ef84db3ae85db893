// What the percentile exercise asks for, and its check calls.
#pragma once

#include <vector>

// The p-th percentile (0 < p <= 100) of `latencies_ms` by nearest rank: the smallest value
// that at least p % of the samples are at or below. 0 for no samples.
double percentile(std::vector<double> latencies_ms, double p);
