#include "cluster/respawn_policy.hpp"

#include <gtest/gtest.h>

namespace clab::cluster {
namespace {

using std::chrono::milliseconds;
using Action = RespawnDecision::Action;

TEST(RespawnPolicy, NeverRestartsAWorkerThatWasAskedToStop) {
  RespawnPolicy policy;
  const auto d = policy.on_exit(ExitKind::Requested, milliseconds(60000));
  EXPECT_EQ(d.action, Action::Stop);
  EXPECT_EQ(policy.restarts(), 0);
}

TEST(RespawnPolicy, RestartsAnUnexpectedExitAtOnceByDefault) {
  RespawnPolicy policy;
  const auto d = policy.on_exit(ExitKind::Unexpected, milliseconds(5000));
  EXPECT_EQ(d.action, Action::Restart);
  EXPECT_EQ(d.delay, milliseconds(0));
  EXPECT_EQ(policy.restarts(), 1);
}

TEST(RespawnPolicy, HonoursAutorestartOff) {
  RespawnPolicy policy({.autorestart = false});
  EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(5000)).action, Action::Stop);
}

TEST(RespawnPolicy, UsesTheFixedRestartDelay) {
  RespawnPolicy policy({.restart_delay = milliseconds(250)});
  EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(5000)).delay, milliseconds(250));
}

TEST(RespawnPolicy, MarksErroredAfterMaxRestartsUnstableExitsInARow) {
  RespawnPolicy policy({.min_uptime = milliseconds(1000), .max_restarts = 3});
  EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(10)).action, Action::Restart);
  EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(10)).action, Action::Restart);
  const auto d = policy.on_exit(ExitKind::Unexpected, milliseconds(10));
  EXPECT_EQ(d.action, Action::Errored);
  EXPECT_NE(d.reason.find("3 unstable restarts"), std::string::npos) << d.reason;
}

TEST(RespawnPolicy, AStableRunResetsTheUnstableCount) {
  RespawnPolicy policy({.min_uptime = milliseconds(1000), .max_restarts = 2});
  EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(10)).action, Action::Restart);
  EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(5000)).action, Action::Restart);
  EXPECT_EQ(policy.unstable_restarts(), 0);
  EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(10)).action, Action::Restart);
}

TEST(RespawnPolicy, ExponentialBackoffGrowsCapsAndResets) {
  RespawnPolicy policy({.exp_backoff_restart_delay = milliseconds(100), .max_restarts = 1000});
  // PM2: 100, 150, 225, 337, 505, ... capped at 15000; back to 100 after a 30 s run.
  const long expected[] = {100,  150,  225,  337,  505,   757,   1135, 1702,
                           2553, 3829, 5743, 8614, 12921, 15000, 15000};
  for (long e : expected)
    EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(1500)).delay.count(), e);
  EXPECT_EQ(policy.on_exit(ExitKind::Unexpected, milliseconds(30000)).delay, milliseconds(100));
}

// Regression: a worker killed for missing listen_timeout (3000 ms) outlived min_uptime
// (1000 ms), so each kill counted as a stable run and a never-ready app was restarted forever.
TEST(RespawnPolicy, AFailedStartIsUnstableWhateverItsUptime) {
  RespawnPolicy policy({.min_uptime = milliseconds(1000), .max_restarts = 3});
  EXPECT_EQ(policy.on_exit(ExitKind::FailedStart, milliseconds(3000)).action, Action::Restart);
  EXPECT_EQ(policy.on_exit(ExitKind::FailedStart, milliseconds(3000)).action, Action::Restart);
  const auto d = policy.on_exit(ExitKind::FailedStart, milliseconds(3000));
  EXPECT_EQ(d.action, Action::Errored);
  EXPECT_NE(d.reason.find("failed start"), std::string::npos) << d.reason;
}

TEST(RespawnPolicy, ASpawnFailureIsRetriedWithADoublingDelayThenErrored) {
  RespawnPolicy policy({.max_restarts = 5, .spawn_retry_delay = milliseconds(100)});
  for (long expected : {100, 200, 400, 800}) {
    const auto d = policy.on_spawn_failure("socketpair: Too many open files");
    EXPECT_EQ(d.action, Action::Restart);
    EXPECT_EQ(d.delay, milliseconds(expected));
    EXPECT_NE(d.reason.find("Too many open files"), std::string::npos) << d.reason;
  }
  EXPECT_EQ(policy.on_spawn_failure("fork: Resource temporarily unavailable").action,
            Action::Errored);
}

TEST(RespawnPolicy, ASpawnFailureDelayIsCappedAndAStartResetsIt) {
  RespawnPolicy policy({.max_restarts = 1000,
                        .backoff_cap = milliseconds(1000),
                        .spawn_retry_delay = milliseconds(300)});
  EXPECT_EQ(policy.on_spawn_failure("x").delay, milliseconds(300));
  EXPECT_EQ(policy.on_spawn_failure("x").delay, milliseconds(600));
  EXPECT_EQ(policy.on_spawn_failure("x").delay, milliseconds(1000));
  (void)policy.on_exit(ExitKind::Unexpected, milliseconds(5000));  // it ran for a while
  EXPECT_EQ(policy.on_spawn_failure("x").delay, milliseconds(300));
}

}  // namespace
}  // namespace clab::cluster
