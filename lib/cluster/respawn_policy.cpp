#include "cluster/respawn_policy.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace clab::cluster {

using std::chrono::milliseconds;

RespawnDecision RespawnPolicy::on_exit(ExitKind kind, milliseconds uptime) {
  using Action = RespawnDecision::Action;
  if (kind == ExitKind::Requested) return {Action::Stop, {}, "stopped on request"};
  if (!settings_.autorestart) return {Action::Stop, {}, "autorestart is off"};
  spawn_failures_in_a_row_ = 0;
  const bool failed_start = kind == ExitKind::FailedStart;
  return decide(failed_start || uptime < settings_.min_uptime, uptime, milliseconds(0),
                failed_start ? "failed start" : "unexpected exit");
}

RespawnDecision RespawnPolicy::on_spawn_failure(const std::string& why) {
  if (!settings_.autorestart) return {RespawnDecision::Action::Stop, {}, why};
  const int doublings = std::min(spawn_failures_in_a_row_++, 16);
  const milliseconds floor =
      std::min(settings_.spawn_retry_delay * (1L << doublings), settings_.backoff_cap);
  return decide(true, milliseconds(0), floor, "could not start: " + why);
}

RespawnDecision RespawnPolicy::decide(bool unstable, milliseconds uptime, milliseconds floor,
                                      std::string reason) {
  using Action = RespawnDecision::Action;
  unstable_restarts_ = unstable ? unstable_restarts_ + 1 : 0;
  if (unstable_restarts_ >= settings_.max_restarts) {
    return {Action::Errored,
            {},
            fmt::format("{} unstable restarts (each a failed start or shorter than min_uptime {} "
                        "ms); last: {}",
                        unstable_restarts_, settings_.min_uptime.count(), reason)};
  }
  milliseconds delay = settings_.restart_delay;
  if (settings_.exp_backoff_restart_delay.count() > 0) {
    if (uptime >= settings_.backoff_reset_after || previous_backoff_.count() == 0) {
      previous_backoff_ = settings_.exp_backoff_restart_delay;
    } else {
      const auto grown = milliseconds(static_cast<long>(
          static_cast<double>(previous_backoff_.count()) * settings_.backoff_factor));
      previous_backoff_ = std::min(grown, settings_.backoff_cap);
    }
    delay = previous_backoff_;
  }
  ++restarts_;
  return {Action::Restart, std::max(delay, floor), std::move(reason)};
}

}  // namespace clab::cluster
