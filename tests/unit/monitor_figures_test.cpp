// The figures every view shows come out right: latency quantiles from bucket counts, the
// memory breakdown from smaps_rollup, rates from heartbeats (not from how often a view
// asks), a stale heartbeat read as no current rate, and Jain's index.
#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "monitor/latency_quantile.hpp"
#include "monitor/monitor.hpp"
#include "monitor/process_memory.hpp"
#include "monitor/sampler.hpp"

namespace clab::monitor {
namespace {

using namespace std::chrono_literals;

std::size_t bucket_of(double ms) {
  std::size_t i = 0;
  while (i < kLatencyBoundsMs.size() && kLatencyBoundsMs[i] < ms)
    ++i;
  return i;
}

TEST(LatencyQuantile, InterpolatesInsideTheBucketThatHoldsTheRank) {
  LatencyCounts counts{};
  counts[bucket_of(1)] = 100;  // (0.5, 1] ms
  EXPECT_NEAR(*latency_quantile_ms(counts, 0.5), 0.75, 1e-9);
  EXPECT_NEAR(*latency_quantile_ms(counts, 0.99), 0.995, 1e-9);
  counts[bucket_of(100)] = 100;  // (50, 100] ms: p99 moves there, p50 stays at 1
  EXPECT_NEAR(*latency_quantile_ms(counts, 0.5), 1.0, 1e-9);
  EXPECT_GT(*latency_quantile_ms(counts, 0.99), 50);
  EXPECT_LE(*latency_quantile_ms(counts, 0.99), 100);
}

TEST(LatencyQuantile, NothingCountedHasNoQuantile) {
  EXPECT_FALSE(latency_quantile_ms(LatencyCounts{}, 0.5));
}

TEST(LatencyQuantile, SlowerThanEveryBoundReadsAsTheHighestBound) {
  LatencyCounts counts{};
  counts.back() = 3;
  EXPECT_EQ(*latency_quantile_ms(counts, 0.99), kLatencyBoundsMs.back());
}

TEST(ProcessMemory, ReadsSmapsRollup) {
  const auto m = parse_smaps_rollup(
      "55d0-7ffd ---p 00000000 00:00 0   [rollup]\n"
      "Rss:                1768 kB\nPss:                 806 kB\nPss_Anon:            112 kB\n"
      "Shared_Clean:       1512 kB\nShared_Dirty:          0 kB\nPrivate_Clean:       144 kB\n"
      "Private_Dirty:       112 kB\nSwap:                  4 kB\n");
  EXPECT_EQ(m.rss_bytes, 1768u * 1024);
  EXPECT_EQ(m.pss_bytes, 806u * 1024);
  EXPECT_EQ(m.uss_bytes, 256u * 1024);
  EXPECT_EQ(m.shared_bytes, 1512u * 1024);
  EXPECT_EQ(m.swap_bytes, 4u * 1024);
}

TEST(ProcessMemory, OwnProcessHasUssWithinPssWithinRss) {
  const auto m = read_memory(::getpid());
  ASSERT_TRUE(m);
  EXPECT_GT(m->uss_bytes, 0u);
  EXPECT_LE(m->uss_bytes, m->pss_bytes);
  EXPECT_LE(m->pss_bytes, m->rss_bytes);
  EXPECT_FALSE(read_memory(0x7ffffff0)) << "no such process";
}

// A worker that has answered `answered` requests, each within 1 ms, beating at `at`.
InstanceSource beating(std::uint64_t answered, Clock::time_point at) {
  LatencyCounts counts{};
  counts[bucket_of(1)] = answered;
  return {.app = "api",
          .instance = 0,
          .status = "ready",
          .pid = ::getpid(),
          .started_at = at - 10s,
          .heartbeat = {{"answered", answered},
                        {"in_flight", 2},
                        {"open_connections", 7},
                        {"lag_ms", 1.5},
                        {"latency_sum_ms", 0.5 * static_cast<double>(answered)},
                        {"latency_buckets", counts}},
          .heartbeat_at = at};
}

TEST(Sampler, RatesComeFromHeartbeatsNotFromHowOftenItIsAsked) {
  Sampler sampler(/*memory_breakdown=*/false);
  const auto t0 = Clock::now();
  auto first = sampler.sample({beating(1000, t0)}, t0);
  ASSERT_TRUE(first[0].requests);
  EXPECT_EQ(first[0].requests->per_second, 0) << "one reading has no rate";
  // 500 more in the half second between two beats: 1000 per second, however often sampled.
  for (auto asked : {t0 + 600ms, t0 + 700ms, t0 + 900ms}) {
    auto f = sampler.sample({beating(1500, t0 + 500ms)}, asked);
    ASSERT_TRUE(f[0].requests);
    EXPECT_NEAR(f[0].requests->per_second, 1000, 1e-6);
    EXPECT_EQ(f[0].requests->total, 1500u);
    EXPECT_EQ(f[0].requests->in_flight, 2u);
    EXPECT_EQ(f[0].requests->open_connections, 7u);
    EXPECT_LE(*f[0].requests->p99_ms, 1.0);
    EXPECT_NEAR(*f[0].loop_lag_ms, 1.5, 1e-9);
  }
  EXPECT_NEAR(*sampler.sample({beating(1500, t0 + 500ms)}, t0 + 900ms)[0].heartbeat_age_ms, 400,
              1e-6);
}

TEST(Sampler, AStaleHeartbeatHasNoCurrentRate) {
  Sampler sampler(/*memory_breakdown=*/false);
  const auto t0 = Clock::now();
  sampler.sample({beating(0, t0)}, t0);
  sampler.sample({beating(500, t0 + 500ms)}, t0 + 500ms);
  const auto silent = sampler.sample({beating(500, t0 + 500ms)}, t0 + 500ms + 3s);
  EXPECT_EQ(silent[0].requests->per_second, 0);
  EXPECT_FALSE(silent[0].requests->p99_ms);
}

TEST(Sampler, ReadsTheProcessAndLeavesAnEmptySlotEmpty) {
  Sampler sampler;
  InstanceSource gone{.app = "api", .instance = 1, .status = "stopped"};
  const auto f = sampler.sample({beating(0, Clock::now()), gone});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_GT(f[0].rss_bytes, 0u);
  EXPECT_GT(f[0].pss_bytes, 0u);
  EXPECT_GE(f[0].threads, 1u);
  EXPECT_NEAR(f[0].uptime_s, 10, 0.5);
  EXPECT_EQ(f[1].pid, 0);
  EXPECT_EQ(f[1].status, "stopped");
  EXPECT_FALSE(f[1].requests);
  EXPECT_EQ(f[1].rss_bytes, 0u);
}

TEST(FairnessIndex, IsOneWhenEvenAndOneOverNWhenOneServesAll) {
  auto with_rate = [](double rate) {
    InstanceFigures f;
    f.requests = RequestFigures{.per_second = rate};
    return f;
  };
  EXPECT_NEAR(*fairness_index({with_rate(100), with_rate(100)}), 1.0, 1e-9);
  EXPECT_NEAR(*fairness_index({with_rate(100), with_rate(0), with_rate(0), with_rate(0)}), 0.25,
              1e-9);
  EXPECT_FALSE(fairness_index({with_rate(0), with_rate(0)}));
  EXPECT_FALSE(fairness_index({InstanceFigures{}}));
}

TEST(Monitor, ALifecycleEventMakesTheNextViewSampleAgain) {
  int sampled = 0;
  Monitor monitor("test", [&sampled] {
    ++sampled;
    return std::vector<InstanceSource>{{.app = "api", .status = "ready"}};
  });
  monitor.figures();
  monitor.figures();
  EXPECT_EQ(sampled, 1) << "two views within 100 ms share one sample";
  monitor.record({.kind = "respawn"});
  monitor.figures();
  EXPECT_EQ(sampled, 2);
}

TEST(Monitor, RecordsTimelineEventsAndTellsSubscribers) {
  Monitor monitor("test", [] { return std::vector<InstanceSource>{}; });
  std::vector<std::string> heard;
  const int token = monitor.subscribe([&](const TimelineEvent& e) { heard.push_back(e.kind); });
  for (std::size_t i = 0; i < Monitor::kTimelineLength + 5; ++i)
    monitor.record({.kind = i == 0 ? "start" : "respawn"});
  monitor.unsubscribe(token);
  monitor.record({.kind = "hung"});
  EXPECT_EQ(heard.size(), Monitor::kTimelineLength + 5);
  EXPECT_EQ(heard.front(), "start");
  EXPECT_EQ(monitor.timeline().size(), Monitor::kTimelineLength) << "only the last ones are kept";
  EXPECT_EQ(monitor.timeline().back().kind, "hung");
  EXPECT_GT(monitor.timeline().back().at_s, 0);
}

}  // namespace
}  // namespace clab::monitor
