// pm monit's model: rows from the daemon's list, the selection kept on its pm_id across
// updates, histories that follow a process and leave with it, sparklines scaled to their
// maximum in Unicode or ASCII.
#include "monit_model.hpp"

#include <gtest/gtest.h>

namespace clab::pm {
namespace {

nlohmann::json process(int pm_id, pid_t pid, double cpu, double rps) {
  return {{"pm_id", pm_id},
          {"name", "api"},
          {"pid", pid},
          {"monit",
           {{"cpu", cpu},
            {"memory", 1000 * pm_id},
            {"pss_bytes", 10},
            {"requests", {{"per_second", rps}, {"p99_ms", 1.5}, {"in_flight", 2}}},
            {"heartbeat_age_ms", 120.0}}},
          {"pm2_env", {{"status", "online"}, {"restart_time", 3}, {"pm_out_log_path", "/o"}}}};
}

TEST(MonitModel, RowsComeFromTheDaemonsList) {
  MonitModel model;
  model.update(nlohmann::json::array({process(0, 100, 12.5, 900), process(1, 101, 3, 0)}));
  ASSERT_EQ(model.rows().size(), 2u);
  const MonitRow& r = model.rows()[0];
  EXPECT_EQ(r.pid, 100);
  EXPECT_EQ(r.status, "online");
  EXPECT_EQ(r.restarts, 3);
  EXPECT_EQ(r.cpu_percent, 12.5);
  EXPECT_EQ(*r.requests_per_second, 900);
  EXPECT_EQ(*r.p99_ms, 1.5);
  EXPECT_EQ(*r.in_flight, 2u);
  EXPECT_EQ(r.out_log, "/o");
  EXPECT_EQ(model.selected()->pm_id, 0) << "the first row is selected at first";
}

TEST(MonitModel, TheSelectionStaysOnItsProcessAndStopsAtTheEnds) {
  MonitModel model;
  model.update(nlohmann::json::array({process(0, 100, 0, 0), process(1, 101, 0, 0)}));
  model.select_previous();
  EXPECT_EQ(model.selected()->pm_id, 0);
  model.select_next();
  model.select_next();
  EXPECT_EQ(model.selected()->pm_id, 1);
  model.update(nlohmann::json::array({process(5, 102, 0, 0), process(1, 103, 0, 0)}));
  EXPECT_EQ(model.selected()->pm_id, 1) << "reordered, still pm_id 1";
  model.update(nlohmann::json::array({process(5, 102, 0, 0)}));
  EXPECT_EQ(model.selected()->pm_id, 5) << "its process gone: the first row";
}

TEST(MonitModel, HistoriesFollowAProcessAndLeaveWithIt) {
  MonitModel model;
  for (int i = 0; i < 70; ++i)
    model.update(nlohmann::json::array({process(0, 100, i, 10.0 * i), process(1, 101, 0, 0)}));
  const auto& cpu = model.history(0, MonitModel::Series::Cpu);
  EXPECT_EQ(cpu.size(), MonitModel::kHistory);
  EXPECT_EQ(cpu.back(), 69);
  EXPECT_EQ(model.history(0, MonitModel::Series::RequestsPerSecond).back(), 690);
  model.update(nlohmann::json::array({process(1, 101, 0, 0)}));
  EXPECT_TRUE(model.history(0, MonitModel::Series::Cpu).empty());
}

TEST(Sparkline, ScalesToTheMaximumAndPadsOnTheLeft) {
  EXPECT_EQ(sparkline({0, 4, 8}, 5, true), "  ▁▅█");
  EXPECT_EQ(sparkline({0, 4, 8}, 5, false), "  _-#");
  EXPECT_EQ(sparkline({1, 2, 3, 4}, 2, false), "=#") << "only the last values that fit";
  EXPECT_EQ(sparkline({}, 3, true), "   ");
  EXPECT_EQ(sparkline({0, 0}, 2, true), "▁▁");
}

}  // namespace
}  // namespace clab::pm
