// RunTally is the ground truth of the scheduling checks: what it counts as duplicated,
// missed, stale or late decides whether a strategy passes.
#include "sched/run_tally.hpp"

#include <gtest/gtest.h>

namespace clab::sched {
namespace {

coord::RunRecord run_of(std::int64_t tick, int worker, const char* outcome) {
  return coord::RunRecord{.job = "j", .tick = tick, .worker = worker, .outcome = outcome};
}

TEST(RunTally, CountsRunsFromTheRecordsAndEffectsFromTheWriteLog) {
  const auto tally = tally_runs(
      {run_of(10, 1, "written"), run_of(10, 2, "written"), run_of(11, 2, "written"),
       run_of(12, 1, "written"), run_of(13, 1, "refused-stale"), run_of(99, 1, "written")},
      {{0, "10"}, {0, "10"}, {0, "12"}, {0, "11"}, {0, "99"}}, 10, 13);
  EXPECT_EQ(tally.runs, 5);
  EXPECT_EQ(tally.ticks.at(10).runners.size(), 2u);
  EXPECT_EQ(tally.duplicated_ticks, 1);  // 10
  EXPECT_EQ(tally.missed_ticks, 1);      // 13: its only run was refused
  EXPECT_EQ(tally.max_runs_per_tick, 2);
  EXPECT_EQ(tally.refused_stale, 1);
  EXPECT_EQ(tally.stale_written, 1);  // no fences: 11 written after 12 counts as stale
  EXPECT_EQ(tally.late_written, 1);
}

TEST(RunTally, AStaleWriteHadItsFenceSupersededALateOneIsAnOlderTick) {
  // Tick 1 redelivered (fence 9) after tick 2 (fence 8): late, not stale. Tick 3's stalled
  // writer (fence 7) lands after fence 9: stale.
  const auto tally = tally_runs({}, {{8, "2"}, {9, "1"}, {7, "3"}, {10, "4"}}, 1, 4);
  EXPECT_EQ(tally.late_written, 1);
  EXPECT_EQ(tally.stale_written, 1);
  EXPECT_EQ(tally.duplicated_ticks, 0);
  EXPECT_EQ(tally.missed_ticks, 0);
}

TEST(RunTally, EveryTickOfTheWindowIsListedEvenWhenNothingRanIt) {
  const auto tally = tally_runs({run_of(5, 1, "written")}, {{1, "5"}}, 3, 7);
  ASSERT_EQ(tally.ticks.size(), 5u);
  EXPECT_EQ(tally.ticks.at(3).runs, 0);
  EXPECT_EQ(tally.ticks.at(5).written, 1);
  EXPECT_EQ(tally.missed_ticks, 4);
  EXPECT_EQ(tally.duplicated_ticks, 0);
}

TEST(RunTally, RunsAndWritesOutsideTheWindowAreNotCounted) {
  const auto tally = tally_runs({run_of(1, 1, "written"), run_of(2, 1, "written")},
                                {{1, "1"}, {2, "2"}, {3, "2"}}, 2, 2);
  EXPECT_EQ(tally.runs, 1);
  EXPECT_EQ(tally.ticks.at(2).written, 2);
  EXPECT_EQ(tally.duplicated_ticks, 1);
}

TEST(RunTally, TotalsAsJsonNameEveryFigure) {
  const auto tally =
      tally_runs({run_of(1, 1, "written"), run_of(1, 2, "written")}, {{1, "1"}, {2, "1"}}, 1, 2);
  const auto json = totals_json(tally);
  EXPECT_EQ(json["ticks"], 2);
  EXPECT_EQ(json["runs"], 2);
  EXPECT_EQ(json["duplicated_ticks"], 1);
  EXPECT_EQ(json["missed_ticks"], 1);
  EXPECT_EQ(json["max_runs_per_tick"], 2);
  for (const char* key : {"refused_stale", "stale_written", "late_written"})
    EXPECT_TRUE(json.contains(key)) << key;
}

}  // namespace
}  // namespace clab::sched
