#include "cluster/worker_lifecycle.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <ostream>
#include <vector>

namespace clab::cluster {
namespace {

using S = WorkerState;
using E = WorkerEvent;
using A = WorkerAction;

constexpr LifecycleOptions kPlain{.wait_ready = false};
constexpr LifecycleOptions kWaitReady{.wait_ready = true};

struct Case {
  const char* name;
  LifecycleOptions options;
  WorkerState from;
  WorkerEvent event;
  WorkerState next;
  WorkerActions actions;
};

const std::vector<Case> kCases = {
    {"ForkedStarts", kPlain, S::New, E::Forked, S::Starting, {}},
    {"ForkedArmsTheListenTimerWithWaitReady", kWaitReady, S::New, E::Forked, S::Starting,
     A::ArmListenTimer},
    {"OnlineGetsListenInstructions", kPlain, S::Starting, E::SaidOnline, S::Online,
     A::ReportOnline | A::SendListen},
    {"ListeningTakesConnections", kPlain, S::Online, E::SaidListening, S::Listening,
     A::ReportListening | A::DispatchConnections},
    {"ListeningWaitsForReadyWithWaitReady", kWaitReady, S::Online, E::SaidListening, S::Listening,
     A::ReportListening},
    {"ReadyTakesConnectionsWithWaitReady", kWaitReady, S::Listening, E::SaidReady, S::Ready,
     A::ReportReady | A::DispatchConnections},
    {"ListenTimeoutKillsAWorkerNotReady", kWaitReady, S::Listening, E::ListenTimeout, S::Failing,
     A::ReportListenTimeout | A::Kill | A::TakeBackConnections},
    {"ListenTimeoutIsIgnoredOnceReady", kWaitReady, S::Ready, E::ListenTimeout, S::Ready, {}},
    {"StopWhileStartingArmsTheKillTimer", kPlain, S::Starting, E::StopRequested, S::Stopping,
     A::AskToStop | A::ArmKillTimer},
    {"StopWhenReadyArmsTheKillTimer", kPlain, S::Ready, E::StopRequested, S::Stopping,
     A::AskToStop | A::ArmKillTimer},
    {"StopWhileDrainingMakesTheExitRequested",
     kPlain,
     S::Draining,
     E::StopRequested,
     S::Stopping,
     {}},
    {"ASecondStopDoesNothing", kPlain, S::Stopping, E::StopRequested, S::Stopping, {}},
    {"StoppingByItselfArmsTheKillTimer", kPlain, S::Ready, E::SaidStopping, S::Draining,
     A::TakeBackConnections | A::ArmKillTimer},
    {"KillTimeoutKillsAStoppingWorker", kPlain, S::Stopping, E::KillTimeout, S::Stopping,
     A::Kill | A::CountAsKilled},
    {"KillTimeoutKillsADrainingWorker", kPlain, S::Draining, E::KillTimeout, S::Draining,
     A::Kill | A::CountAsKilled},
    {"KillTimeoutAfterNoStopDoesNothing", kPlain, S::Ready, E::KillTimeout, S::Ready, {}},
    {"OnlineAfterAStopGetsNoListenInstructions",
     kPlain,
     S::Stopping,
     E::SaidOnline,
     S::Stopping,
     {}},
    {"HeartbeatTimeoutKillsAHungWorker", kPlain, S::Ready, E::HeartbeatTimeout, S::Hung,
     A::ReportHung | A::Kill | A::TakeBackConnections},
    {"HeartbeatTimeoutKillsAListeningWorker", kPlain, S::Listening, E::HeartbeatTimeout, S::Hung,
     A::ReportHung | A::Kill | A::TakeBackConnections},
    {"HeartbeatTimeoutWhileStoppingLeavesItToTheKillTimer",
     kPlain,
     S::Stopping,
     E::HeartbeatTimeout,
     S::Stopping,
     {}},
    {"StopWhileHungWaitsForTheKill", kPlain, S::Hung, E::StopRequested, S::Stopping, {}},
    {"ReapedDecidesTheRespawn", kPlain, S::Ready, E::Reaped, S::Exited,
     A::CancelTimers | A::TakeBackConnections | A::DecideRespawn},
};

void PrintTo(const Case& c, std::ostream* out) {
  *out << c.name;
}

class WorkerLifecycleTable : public ::testing::TestWithParam<Case> {};

TEST_P(WorkerLifecycleTable, Transition) {
  const Case& c = GetParam();
  const WorkerTransition t = transition(c.from, c.event, c.options);
  EXPECT_EQ(t.next, c.next) << to_string(t.next);
  EXPECT_EQ(t.actions, c.actions);
}

INSTANTIATE_TEST_SUITE_P(Rows, WorkerLifecycleTable, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

const std::vector<WorkerState> kLive = {S::Starting, S::Online,   S::Listening, S::Ready,
                                        S::Draining, S::Stopping, S::Failing,   S::Hung};
const std::vector<WorkerEvent> kEvents = {
    E::Forked,        E::SaidOnline,    E::SaidListening, E::SaidReady, E::SaidStopping,
    E::StopRequested, E::ListenTimeout, E::KillTimeout,   E::Reaped,    E::HeartbeatTimeout};

// Regression: disconnect() and kill() set a flag without arming the kill timer, so a worker
// that hung after a disconnect was never SIGKILLed.
TEST(WorkerLifecycle, EveryWayIntoAStopArmsTheKillTimer) {
  for (auto options : {kPlain, kWaitReady}) {
    for (auto from : kLive) {
      for (auto event : kEvents) {
        const auto t = transition(from, event, options);
        const bool enters_stop = (t.next == S::Stopping || t.next == S::Draining) &&
                                 from != S::Stopping && from != S::Draining;
        // Failing and Hung: SIGKILL already sent
        if (!enters_stop || from == S::Failing || from == S::Hung) continue;
        EXPECT_TRUE(t.actions.has(A::ArmKillTimer))
            << to_string(from) << " + " << to_string(event) << " -> " << to_string(t.next);
      }
    }
  }
}

// Regression: the executor walked the action bits only up to DecideRespawn, so ReportHung
// (then the last bit) never ran from the table and was made outside it; an action added
// after DecideRespawn would have been skipped without a word.
TEST(WorkerLifecycle, TheExecutorRunsEveryActionItIsGivenInOrder) {
  WorkerActions all;
  for (const WorkerAction a : kEveryAction)
    all = all | a;
  std::vector<WorkerAction> ran;
  for_each_action(all, [&](WorkerAction a) { ran.push_back(a); });
  EXPECT_EQ(ran, std::vector<WorkerAction>(std::begin(kEveryAction), std::end(kEveryAction)));
  for (const WorkerAction a : kEveryAction) {
    int calls = 0;
    for_each_action(a, [&](WorkerAction got) { calls += got == a ? 1 : 100; });
    EXPECT_EQ(calls, 1) << static_cast<std::uint32_t>(a);
  }
  ran.clear();
  for_each_action(transition(S::Ready, E::HeartbeatTimeout, kPlain).actions,
                  [&](WorkerAction a) { ran.push_back(a); });
  EXPECT_EQ(ran, (std::vector<WorkerAction>{A::ReportHung, A::Kill, A::TakeBackConnections}))
      << "a hung worker is reported, then killed";
}

// Execution order is bit order, one bit each: a list out of order, or an action with no
// place in it, shows here.
TEST(WorkerLifecycle, EveryActionHasItsOwnBitInExecutionOrder) {
  for (std::size_t i = 0; i < std::size(kEveryAction); ++i)
    EXPECT_EQ(static_cast<std::uint32_t>(kEveryAction[i]), 1u << i) << i;
}

// Every action is used by some row, and every row's actions are ones the executor knows: no
// dead action, and none the executor would not run.
TEST(WorkerLifecycle, EveryActionAppearsInSomeRowAndNoRowUsesAnUnknownOne) {
  std::vector<WorkerState> states = kLive;
  states.insert(states.end(), {S::New, S::Exited});
  WorkerActions used, known;
  for (const WorkerAction a : kEveryAction)
    known = known | a;
  for (auto options : {kPlain, kWaitReady}) {
    for (auto from : states) {
      for (auto event : kEvents) {
        const auto actions = transition(from, event, options).actions;
        used = used | actions;
        EXPECT_EQ(known | actions, known) << to_string(from) << " + " << to_string(event);
      }
    }
  }
  for (const WorkerAction a : kEveryAction)
    EXPECT_TRUE(used.has(a)) << "no row uses action bit " << static_cast<std::uint32_t>(a);
}

TEST(WorkerLifecycle, EveryLiveStateEndsExitedWhenReaped) {
  for (auto from : kLive) {
    const auto t = transition(from, E::Reaped, kPlain);
    EXPECT_EQ(t.next, S::Exited) << to_string(from);
    EXPECT_TRUE(t.actions.has(A::DecideRespawn)) << to_string(from);
  }
}

TEST(WorkerLifecycle, NothingLeavesExited) {
  for (auto event : kEvents) {
    const auto t = transition(S::Exited, event, kWaitReady);
    EXPECT_EQ(t.next, S::Exited) << to_string(event);
    EXPECT_TRUE(t.actions.empty()) << to_string(event);
  }
}

TEST(WorkerLifecycle, AnExitCountsByTheStateItHappenedIn) {
  EXPECT_EQ(exit_kind(S::Stopping, kPlain), ExitKind::Requested);
  EXPECT_EQ(exit_kind(S::Failing, kWaitReady), ExitKind::FailedStart);
  EXPECT_EQ(exit_kind(S::Starting, kPlain), ExitKind::FailedStart);
  EXPECT_EQ(exit_kind(S::Online, kPlain), ExitKind::FailedStart);
  EXPECT_EQ(exit_kind(S::Listening, kPlain), ExitKind::Unexpected);
  EXPECT_EQ(exit_kind(S::Listening, kWaitReady), ExitKind::FailedStart);
  EXPECT_EQ(exit_kind(S::Ready, kWaitReady), ExitKind::Unexpected);
  EXPECT_EQ(exit_kind(S::Draining, kPlain), ExitKind::Unexpected);
  EXPECT_EQ(exit_kind(S::Hung, kPlain), ExitKind::Unexpected);
}

TEST(WorkerLifecycle, OnlyAnUpWorkerTakesConnections) {
  EXPECT_TRUE(is_up(S::Listening, kPlain));
  EXPECT_FALSE(is_up(S::Listening, kWaitReady));
  EXPECT_TRUE(is_up(S::Ready, kWaitReady));
  for (auto s :
       {S::New, S::Starting, S::Online, S::Draining, S::Stopping, S::Failing, S::Hung, S::Exited})
    EXPECT_FALSE(is_up(s, kPlain)) << to_string(s);
}

}  // namespace
}  // namespace clab::cluster
