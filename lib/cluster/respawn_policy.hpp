// RespawnPolicy: decides what happens when one worker slot's process exits, with PM2's
// semantics and defaults (restart_delay, exp_backoff_restart_delay, min_uptime,
// max_restarts). Pure logic, no processes: unit-tested without forking.
//
// Rules, in order:
//   1. an exit that was asked for (stop, disconnect, kill through the API) is never
//      restarted;
//   2. a failed start (it never came up: see worker_lifecycle.hpp) is unstable whatever its
//      uptime, and so is an exit after less than min_uptime; max_restarts unstable exits in
//      a row mark the slot errored and it is left stopped (a stable run resets the count);
//   3. otherwise restart after restart_delay, or, with exponential backoff configured,
//      after a delay that starts at exp_backoff_restart_delay and grows x1.5 per restart,
//      capped at 15 s, back to the start after a run of at least 30 s.
// A process that could not be created at all (socketpair or fork failed: descriptors or
// processes short) is a failed start too, retried after at least spawn_retry_delay,
// doubling per failure in a row up to backoff_cap, so a starved machine is not hammered.
#pragma once

#include <chrono>
#include <string>

#include "cluster/worker_lifecycle.hpp"

namespace clab::cluster {

struct RespawnSettings {
  using ms = std::chrono::milliseconds;
  bool autorestart = true;
  ms restart_delay{0};
  ms exp_backoff_restart_delay{0};  // 0: no exponential backoff
  ms min_uptime{1000};
  int max_restarts = 16;
  double backoff_factor = 1.5;
  ms backoff_cap{15000};
  ms backoff_reset_after{30000};
  ms spawn_retry_delay{100};
};

struct RespawnDecision {
  enum class Action { Restart, Stop, Errored };
  Action action = Action::Stop;
  std::chrono::milliseconds delay{0};
  std::string reason;
};

class RespawnPolicy {
 public:
  explicit RespawnPolicy(RespawnSettings settings = {}) : settings_(settings) {}

  // Called once per exit of this slot's process.
  RespawnDecision on_exit(ExitKind kind, std::chrono::milliseconds uptime);
  // Called when the slot's process could not be created; `why` is the system call's error.
  RespawnDecision on_spawn_failure(const std::string& why);

  int restarts() const { return restarts_; }
  int unstable_restarts() const { return unstable_restarts_; }
  const RespawnSettings& settings() const { return settings_; }

 private:
  // Counts an unstable start (or resets the count) and decides; `floor` is the least delay.
  RespawnDecision decide(bool unstable, std::chrono::milliseconds uptime,
                         std::chrono::milliseconds floor, std::string reason);

  RespawnSettings settings_;
  int restarts_ = 0;
  int unstable_restarts_ = 0;
  int spawn_failures_in_a_row_ = 0;
  std::chrono::milliseconds previous_backoff_{0};
};

}  // namespace clab::cluster
