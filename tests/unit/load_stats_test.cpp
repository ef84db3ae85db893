#include "load/load_stats.hpp"

#include <gtest/gtest.h>

namespace clab::load {
namespace {

TEST(LoadStats, MergeAddsEveryCounterAndEveryMap) {
  LoadStats a, b;
  a.sent = 10;
  a.responses = 8;
  a.errors = 1;
  a.timeouts = 1;
  a.status_codes[200] = 7;
  a.status_codes[500] = 1;
  a.by_worker[1] = 8;
  a.latency.record(100);
  b.sent = 5;
  b.responses = 5;
  b.connect_errors = 2;
  b.status_codes[200] = 5;
  b.by_worker[2] = 5;
  b.latency.record(300);
  a.merge(b);
  EXPECT_EQ(a.sent, 15u);
  EXPECT_EQ(a.responses, 13u);
  EXPECT_EQ(a.errors, 1u);
  EXPECT_EQ(a.connect_errors, 2u);
  EXPECT_EQ(a.timeouts, 1u);
  EXPECT_EQ(a.status_codes.at(200), 12u);
  EXPECT_EQ(a.status_codes.at(500), 1u);
  EXPECT_EQ(a.by_worker.at(1), 8u);
  EXPECT_EQ(a.by_worker.at(2), 5u);
  EXPECT_EQ(a.latency.count(), 2u);
}

TEST(LoadStats, MergeAddsPerSecondSamplesOfDifferentLengths) {
  LoadStats a, b;
  a.requests_per_second = {1, 2};
  b.requests_per_second = {10, 20, 30};
  a.merge(b);
  EXPECT_EQ(a.requests_per_second, (std::vector<std::uint64_t>{11, 22, 30}));
}

TEST(LoadStats, KeepsTheFirstFiveDistinctErrorMessages) {
  LoadStats s;
  for (int i = 0; i < 3; ++i)
    s.add_error_sample("connect: Connection refused");
  for (int i = 0; i < 10; ++i)
    s.add_error_sample("error " + std::to_string(i));
  ASSERT_EQ(s.error_samples.size(), 5u);
  EXPECT_EQ(s.error_samples.front(), "connect: Connection refused");
  EXPECT_EQ(s.error_samples.back(), "error 3");
}

}  // namespace
}  // namespace clab::load
