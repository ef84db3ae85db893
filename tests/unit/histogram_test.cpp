#include "load/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace clab::load {
namespace {

double reference_percentile(std::vector<std::uint64_t> values, double percent) {
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::max(1.0, std::ceil(percent / 100 * values.size())));
  return static_cast<double>(values[rank - 1]);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < 128; ++v)
    h.record(v);
  EXPECT_EQ(h.percentile(50), 63);
  EXPECT_EQ(h.percentile(100), 127);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 127u);
}

TEST(LatencyHistogram, BucketsCoverEveryValueContiguously) {
  for (std::size_t b = 0; b + 1 < LatencyHistogram::kBuckets; ++b) {
    ASSERT_EQ(LatencyHistogram::bucket_low(b) + LatencyHistogram::bucket_width(b),
              LatencyHistogram::bucket_low(b + 1))
        << b;
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::bucket_low(b)), b);
  }
  EXPECT_GE(LatencyHistogram::bucket_low(LatencyHistogram::kBuckets - 1), 60'000'000u)
      << "must reach at least 60 s";
}

struct Distribution {
  std::string name;
  int seed;
};
void PrintTo(const Distribution& c, std::ostream* os) {
  *os << c.name;
}

class HistogramAccuracy : public ::testing::TestWithParam<Distribution> {};

TEST_P(HistogramAccuracy, PercentilesWithinOnePercentOfASortedReference) {
  std::mt19937_64 rng(GetParam().seed);
  std::vector<std::uint64_t> values;
  if (GetParam().name == "lognormal") {
    std::lognormal_distribution<double> d(7.0, 1.5);  // a latency-like long tail
    for (int i = 0; i < 200000; ++i)
      values.push_back(static_cast<std::uint64_t>(d(rng)));
  } else if (GetParam().name == "uniform") {
    std::uniform_int_distribution<std::uint64_t> d(1, 60'000'000);
    for (int i = 0; i < 200000; ++i)
      values.push_back(d(rng));
  } else {
    std::exponential_distribution<double> d(1.0 / 2000);
    for (int i = 0; i < 200000; ++i)
      values.push_back(static_cast<std::uint64_t>(d(rng)) + 1);
  }
  LatencyHistogram h;
  for (auto v : values)
    h.record(v);
  for (double p : {1.0, 2.5, 10.0, 50.0, 90.0, 97.5, 99.0, 99.9, 99.99, 100.0}) {
    const double expected = reference_percentile(values, p);
    EXPECT_NEAR(h.percentile(p), expected, std::max(1.0, expected * 0.01)) << "p" << p;
  }
  double sum = 0, squares = 0;
  for (auto v : values) {
    sum += static_cast<double>(v);
    squares += static_cast<double>(v) * static_cast<double>(v);
  }
  const double mean = sum / values.size();
  EXPECT_NEAR(h.mean(), mean, mean * 1e-9);
  EXPECT_NEAR(h.stddev(), std::sqrt(squares / values.size() - mean * mean), mean * 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Distributions, HistogramAccuracy,
                         ::testing::Values(Distribution{"lognormal", 1}, Distribution{"uniform", 2},
                                           Distribution{"exponential", 3}),
                         [](const auto& info) { return info.param.name; });

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 1; v < 100000; v += 7) {
    ((v % 2) ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {1.0, 50.0, 99.0})
    EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST(LatencyHistogram, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.mean(), 0);
  EXPECT_EQ(h.min(), 0u);
}

}  // namespace
}  // namespace clab::load
