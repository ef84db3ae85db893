#include "cluster/worker_lifecycle.hpp"

#include <array>

namespace clab::cluster {
namespace {

using S = WorkerState;
using E = WorkerEvent;
using A = WorkerAction;

enum class When { Always, WaitReady };

struct Row {
  WorkerState from;
  WorkerEvent event;
  When when;
  WorkerState next;
  WorkerActions actions;
};

constexpr WorkerActions kNothing{};
// A worker asked to stop still reads, acknowledges and serves every connection handed to it
// before the request (its channel is ordered): taking those back would hand one connection
// to two processes. What it never reads comes back when it exits.
constexpr WorkerActions kStop = A::AskToStop | A::ArmKillTimer;
constexpr WorkerActions kDrainingItself = A::TakeBackConnections | A::ArmKillTimer;
constexpr WorkerActions kFailStart = A::ReportListenTimeout | A::Kill | A::TakeBackConnections;
// Hung: killed; what it never acknowledged goes to the others, and its exit is unexpected.
constexpr WorkerActions kKillHung = A::ReportHung | A::Kill | A::TakeBackConnections;
constexpr WorkerActions kKillLate = A::Kill | A::CountAsKilled;
constexpr WorkerActions kReaped = A::CancelTimers | A::TakeBackConnections | A::DecideRespawn;

// The whole lifecycle. The first row that matches (state, event, wait_ready) applies; an
// event with no row leaves the state as it is and does nothing.
constexpr std::array kTable{
    // Starting up.
    Row{S::New, E::Forked, When::WaitReady, S::Starting, A::ArmListenTimer},
    Row{S::New, E::Forked, When::Always, S::Starting, kNothing},
    Row{S::Starting, E::SaidOnline, When::Always, S::Online, A::ReportOnline | A::SendListen},
    Row{S::Online, E::SaidListening, When::WaitReady, S::Listening, A::ReportListening},
    Row{S::Online, E::SaidListening, When::Always, S::Listening,
        A::ReportListening | A::DispatchConnections},
    Row{S::Listening, E::SaidReady, When::WaitReady, S::Ready,
        A::ReportReady | A::DispatchConnections},
    Row{S::Listening, E::SaidReady, When::Always, S::Ready, A::ReportReady},
    // Not ready within listen_timeout: killed, and its exit is a failed start.
    Row{S::Starting, E::ListenTimeout, When::WaitReady, S::Failing, kFailStart},
    Row{S::Online, E::ListenTimeout, When::WaitReady, S::Failing, kFailStart},
    Row{S::Listening, E::ListenTimeout, When::WaitReady, S::Failing, kFailStart},
    // Up but silent past heartbeat_timeout (its loop blocked, a deadlock, stopped).
    Row{S::Listening, E::HeartbeatTimeout, When::Always, S::Hung, kKillHung},
    Row{S::Ready, E::HeartbeatTimeout, When::Always, S::Hung, kKillHung},
    // Asked to stop: every path arms the kill timer.
    Row{S::Starting, E::StopRequested, When::Always, S::Stopping, kStop},
    Row{S::Online, E::StopRequested, When::Always, S::Stopping, kStop},
    Row{S::Listening, E::StopRequested, When::Always, S::Stopping, kStop},
    Row{S::Ready, E::StopRequested, When::Always, S::Stopping, kStop},
    Row{S::Draining, E::StopRequested, When::Always, S::Stopping, kNothing},  // timer armed
    Row{S::Failing, E::StopRequested, When::Always, S::Stopping, kNothing},   // being killed
    Row{S::Hung, E::StopRequested, When::Always, S::Stopping, kNothing},      // being killed
    // Stopping by itself (a signal sent to the worker, not through the primary).
    Row{S::Starting, E::SaidStopping, When::Always, S::Draining, kDrainingItself},
    Row{S::Online, E::SaidStopping, When::Always, S::Draining, kDrainingItself},
    Row{S::Listening, E::SaidStopping, When::Always, S::Draining, kDrainingItself},
    Row{S::Ready, E::SaidStopping, When::Always, S::Draining, kDrainingItself},
    // Not stopped within kill_timeout.
    Row{S::Stopping, E::KillTimeout, When::Always, S::Stopping, kKillLate},
    Row{S::Draining, E::KillTimeout, When::Always, S::Draining, kKillLate},
    // Gone, from wherever it was.
    Row{S::Starting, E::Reaped, When::Always, S::Exited, kReaped},
    Row{S::Online, E::Reaped, When::Always, S::Exited, kReaped},
    Row{S::Listening, E::Reaped, When::Always, S::Exited, kReaped},
    Row{S::Ready, E::Reaped, When::Always, S::Exited, kReaped},
    Row{S::Draining, E::Reaped, When::Always, S::Exited, kReaped},
    Row{S::Stopping, E::Reaped, When::Always, S::Exited, kReaped},
    Row{S::Failing, E::Reaped, When::Always, S::Exited, kReaped},
    Row{S::Hung, E::Reaped, When::Always, S::Exited, kReaped},
};

bool applies(When when, const LifecycleOptions& options) {
  return when == When::Always || options.wait_ready;
}

}  // namespace

WorkerTransition transition(WorkerState state, WorkerEvent event, const LifecycleOptions& options) {
  for (const Row& row : kTable) {
    if (row.from == state && row.event == event && applies(row.when, options))
      return {row.next, row.actions};
  }
  return {state, kNothing};
}

ExitKind exit_kind(WorkerState state, const LifecycleOptions& options) {
  switch (state) {
    case S::Stopping:
      return ExitKind::Requested;
    case S::New:
    case S::Starting:
    case S::Online:
    case S::Failing:
      return ExitKind::FailedStart;
    case S::Listening:
      return options.wait_ready ? ExitKind::FailedStart : ExitKind::Unexpected;
    case S::Ready:
    case S::Draining:
    case S::Hung:
    case S::Exited:
      return ExitKind::Unexpected;
  }
  return ExitKind::Unexpected;
}

bool is_up(WorkerState state, const LifecycleOptions& options) {
  return state == S::Ready || (state == S::Listening && !options.wait_ready);
}

bool is_alive(WorkerState state) {
  return state != S::New && state != S::Exited;
}

std::string_view to_string(WorkerState state) {
  switch (state) {
    case S::New:
      return "new";
    case S::Starting:
      return "starting";
    case S::Online:
      return "online";
    case S::Listening:
      return "listening";
    case S::Ready:
      return "ready";
    case S::Draining:
      return "draining";
    case S::Stopping:
      return "stopping";
    case S::Failing:
      return "failing";
    case S::Hung:
      return "hung";
    case S::Exited:
      return "exited";
  }
  return "?";
}

std::string_view to_string(WorkerEvent event) {
  switch (event) {
    case E::Forked:
      return "forked";
    case E::SaidOnline:
      return "said online";
    case E::SaidListening:
      return "said listening";
    case E::SaidReady:
      return "said ready";
    case E::SaidStopping:
      return "said stopping";
    case E::StopRequested:
      return "stop requested";
    case E::ListenTimeout:
      return "listen timeout";
    case E::KillTimeout:
      return "kill timeout";
    case E::HeartbeatTimeout:
      return "heartbeat timeout";
    case E::Reaped:
      return "reaped";
  }
  return "?";
}

std::string_view to_string(ExitKind kind) {
  switch (kind) {
    case ExitKind::Requested:
      return "requested";
    case ExitKind::FailedStart:
      return "failed start";
    case ExitKind::Unexpected:
      return "unexpected";
  }
  return "?";
}

}  // namespace clab::cluster
