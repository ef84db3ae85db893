// WorkerLifecycle: the life of one worker process as one table, (state, event) -> (state,
// actions), in the manner of s6-supervise. A pure function: no processes, no timers, no
// I/O; the Primary (and the process manager) feed it events and execute the actions it
// returns, so every transition is visible here and unit-tested without forking.
//
//   New --forked--> Starting --online--> Online --listening--> Listening --ready--> Ready
//   any live state --stop requested--> Stopping   (asked to stop: never respawned)
//   a live state --said stopping--> Draining      (stopping by itself: a signal sent to it)
//   not yet ready --listen timeout--> Failing     (killed: a failed start)
//   up --heartbeat timeout--> Hung                (silent too long: killed, respawned)
//   any state --reaped--> Exited
//
// Invariants: every path into Stopping or Draining arms the kill timer; a worker takes
// connections only while it is up (Ready, or Listening when the cluster does not wait for
// readiness); the kind of an exit follows from the state it happened in alone. A worker
// whose heartbeat is late but not yet past the timeout is "suspect": a flag round-robin
// reads (it hands a suspect no connection), not a state, because it clears by itself.
#pragma once

#include <cstdint>
#include <string_view>

namespace clab::cluster {

enum class WorkerState {
  New,
  Starting,
  Online,
  Listening,
  Ready,
  Draining,
  Stopping,
  Failing,
  Hung,
  Exited
};

enum class WorkerEvent {
  Forked,            // the process exists
  SaidOnline,        // IPC "online": it runs and attached to the cluster
  SaidListening,     // IPC "listening": it follows the listen instructions
  SaidReady,         // IPC "ready" (or READY=1): the app is up
  SaidStopping,      // IPC "stopping": it drains on its own (a signal was sent to it directly)
  StopRequested,     // stop(), disconnect(), kill(), or the cluster stopping
  ListenTimeout,     // wait_ready: listen_timeout passed
  KillTimeout,       // kill_timeout passed since the stop began
  HeartbeatTimeout,  // no heartbeat for heartbeat_timeout while up (a hung worker)
  Reaped,            // waitpid() returned it
};

// What the executor does, in this order (bits of WorkerActions): the reports first, then
// what changes the process, then the bookkeeping of its exit.
enum class WorkerAction : std::uint32_t {
  ArmListenTimer = 1u << 0,        // wait_ready: ListenTimeout after listen_timeout
  ReportOnline = 1u << 1,          // the "online" event
  SendListen = 1u << 2,            // the listen instructions (and a shared socket)
  ReportListening = 1u << 3,       // the "listening" event
  ReportReady = 1u << 4,           // the "ready" event
  ReportListenTimeout = 1u << 5,   // the "listen timeout" event
  ReportHung = 1u << 6,            // the "hung" event, with how long it was silent
  AskToStop = 1u << 7,             // a disconnect or shutdown message, or a signal
  ArmKillTimer = 1u << 8,          // KillTimeout after kill_timeout
  Kill = 1u << 9,                  // SIGKILL now
  CountAsKilled = 1u << 10,        // it did not stop in time: the cluster's exit status says so
  TakeBackConnections = 1u << 11,  // round-robin: unacknowledged connections go to others
  DispatchConnections = 1u << 12,  // round-robin: it can take connections now
  CancelTimers = 1u << 13,         // every timer armed for it
  DecideRespawn = 1u << 14,        // ask the slot's RespawnPolicy, with exit_kind()
};

// Every action, in execution order: the executor walks this list, so none is skipped.
inline constexpr WorkerAction kEveryAction[] = {
    WorkerAction::ArmListenTimer,      WorkerAction::ReportOnline,
    WorkerAction::SendListen,          WorkerAction::ReportListening,
    WorkerAction::ReportReady,         WorkerAction::ReportListenTimeout,
    WorkerAction::ReportHung,          WorkerAction::AskToStop,
    WorkerAction::ArmKillTimer,        WorkerAction::Kill,
    WorkerAction::CountAsKilled,       WorkerAction::TakeBackConnections,
    WorkerAction::DispatchConnections, WorkerAction::CancelTimers,
    WorkerAction::DecideRespawn,
};

class WorkerActions {
 public:
  constexpr WorkerActions() = default;
  constexpr WorkerActions(WorkerAction a) : bits_(static_cast<std::uint32_t>(a)) {}
  constexpr WorkerActions operator|(WorkerActions other) const {
    return WorkerActions(bits_ | other.bits_);
  }
  constexpr bool has(WorkerAction a) const { return (bits_ & static_cast<std::uint32_t>(a)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const WorkerActions&) const = default;

 private:
  constexpr explicit WorkerActions(std::uint32_t bits) : bits_(bits) {}
  std::uint32_t bits_ = 0;
};

constexpr WorkerActions operator|(WorkerAction a, WorkerAction b) {
  return WorkerActions(a) | WorkerActions(b);
}

// Calls run(action) for each action in `actions`, in execution order (kEveryAction's).
template <typename Run>
constexpr void for_each_action(WorkerActions actions, Run&& run) {
  for (const WorkerAction action : kEveryAction) {
    if (actions.has(action)) run(action);
  }
}

struct LifecycleOptions {
  bool wait_ready = false;  // up means "said ready", not "listening"
};

struct WorkerTransition {
  WorkerState next;
  WorkerActions actions;
};

// The table. An event that means nothing in a state leaves it unchanged, with no action.
WorkerTransition transition(WorkerState state, WorkerEvent event, const LifecycleOptions& options);

// How an exit in `state` counts for the respawn policy.
enum class ExitKind {
  Requested,    // asked to stop: never restarted
  FailedStart,  // never came up (crashed while starting, or killed at listen_timeout):
                // unstable, whatever its uptime
  Unexpected,   // ran and exited or died: unstable only when shorter than min_uptime
};
ExitKind exit_kind(WorkerState state, const LifecycleOptions& options);

// Up: serving, and counted as started (Ready, or Listening without wait_ready).
bool is_up(WorkerState state, const LifecycleOptions& options);
bool is_alive(WorkerState state);

std::string_view to_string(WorkerState state);
std::string_view to_string(WorkerEvent event);
std::string_view to_string(ExitKind kind);

}  // namespace clab::cluster
