#include "cluster/respawn_policy.hpp"

#include <gtest/gtest.h>

namespace clab::cluster {
namespace {

using std::chrono::milliseconds;
using Action = RespawnDecision::Action;

TEST(RespawnPolicy, NeverRestartsAWorkerThatWasAskedToStop) {
  RespawnPolicy policy;
  const auto d = policy.on_exit(/*intended=*/true, milliseconds(60000));
  EXPECT_EQ(d.action, Action::Stop);
  EXPECT_EQ(policy.restarts(), 0);
}

TEST(RespawnPolicy, RestartsAnUnexpectedExitAtOnceByDefault) {
  RespawnPolicy policy;
  const auto d = policy.on_exit(false, milliseconds(5000));
  EXPECT_EQ(d.action, Action::Restart);
  EXPECT_EQ(d.delay, milliseconds(0));
  EXPECT_EQ(policy.restarts(), 1);
}

TEST(RespawnPolicy, HonoursAutorestartOff) {
  RespawnPolicy policy({.autorestart = false});
  EXPECT_EQ(policy.on_exit(false, milliseconds(5000)).action, Action::Stop);
}

TEST(RespawnPolicy, UsesTheFixedRestartDelay) {
  RespawnPolicy policy({.restart_delay = milliseconds(250)});
  EXPECT_EQ(policy.on_exit(false, milliseconds(5000)).delay, milliseconds(250));
}

TEST(RespawnPolicy, MarksErroredAfterMaxRestartsUnstableExitsInARow) {
  RespawnPolicy policy({.min_uptime = milliseconds(1000), .max_restarts = 3});
  EXPECT_EQ(policy.on_exit(false, milliseconds(10)).action, Action::Restart);
  EXPECT_EQ(policy.on_exit(false, milliseconds(10)).action, Action::Restart);
  const auto d = policy.on_exit(false, milliseconds(10));
  EXPECT_EQ(d.action, Action::Errored);
  EXPECT_NE(d.reason.find("3 unstable restarts"), std::string::npos) << d.reason;
}

TEST(RespawnPolicy, AStableRunResetsTheUnstableCount) {
  RespawnPolicy policy({.min_uptime = milliseconds(1000), .max_restarts = 2});
  EXPECT_EQ(policy.on_exit(false, milliseconds(10)).action, Action::Restart);
  EXPECT_EQ(policy.on_exit(false, milliseconds(5000)).action, Action::Restart);
  EXPECT_EQ(policy.unstable_restarts(), 0);
  EXPECT_EQ(policy.on_exit(false, milliseconds(10)).action, Action::Restart);
}

TEST(RespawnPolicy, ExponentialBackoffGrowsCapsAndResets) {
  RespawnPolicy policy({.exp_backoff_restart_delay = milliseconds(100), .max_restarts = 1000});
  // PM2: 100, 150, 225, 337, 505, ... capped at 15000; back to 100 after a 30 s run.
  const long expected[] = {100,  150,  225,  337,  505,   757,   1135, 1702,
                           2553, 3829, 5743, 8614, 12921, 15000, 15000};
  for (long e : expected)
    EXPECT_EQ(policy.on_exit(false, milliseconds(1500)).delay.count(), e);
  EXPECT_EQ(policy.on_exit(false, milliseconds(30000)).delay, milliseconds(100));
}

}  // namespace
}  // namespace clab::cluster
