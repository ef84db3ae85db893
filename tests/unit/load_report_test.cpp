#include "load/load_report.hpp"

#include <gtest/gtest.h>

namespace clab::load {
namespace {

TEST(JainFairness, OneWhenEvenOneOverNWhenOneTakesAll) {
  EXPECT_DOUBLE_EQ(jain_fairness({100, 100, 100, 100}), 1.0);
  EXPECT_DOUBLE_EQ(jain_fairness({400, 0, 0, 0}), 0.25);
  EXPECT_NEAR(jain_fairness({75, 25}), 0.8, 1e-12);  // (100)^2 / (2 * (5625 + 625))
  EXPECT_EQ(jain_fairness({}), 0.0);
}

TEST(Summarize, PercentilesMeanAndSpreadOfSamples) {
  const auto s = summarize({10, 20, 30, 40});
  EXPECT_EQ(s.total, 100u);
  EXPECT_DOUBLE_EQ(s.mean, 25);
  EXPECT_DOUBLE_EQ(s.min, 10);
  EXPECT_DOUBLE_EQ(s.max, 40);
  EXPECT_DOUBLE_EQ(s.p50, 20);
  EXPECT_NEAR(s.stddev, 11.18, 0.01);
}

TEST(Format, UnitsAsAutocannonPrintsThem) {
  EXPECT_EQ(format_ms(1234), "1.23 ms");
  EXPECT_EQ(format_ms(250000), "250 ms");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(18'400'000), "18.4 MB");
  EXPECT_EQ(format_count(612'345), "612k");
  EXPECT_EQ(format_count(37), "37");
}

}  // namespace
}  // namespace clab::load
