#include "cluster/respawn_policy.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace clab::cluster {

RespawnDecision RespawnPolicy::on_exit(bool intended, std::chrono::milliseconds uptime) {
  using Action = RespawnDecision::Action;
  if (intended) return {Action::Stop, {}, "stopped on request"};
  if (!settings_.autorestart) return {Action::Stop, {}, "autorestart is off"};

  if (uptime < settings_.min_uptime) {
    ++unstable_restarts_;
  } else {
    unstable_restarts_ = 0;
  }
  if (unstable_restarts_ >= settings_.max_restarts) {
    return {Action::Errored,
            {},
            fmt::format("{} unstable restarts (each ran less than min_uptime {} ms)",
                        unstable_restarts_, settings_.min_uptime.count())};
  }

  std::chrono::milliseconds delay = settings_.restart_delay;
  if (settings_.exp_backoff_restart_delay.count() > 0) {
    if (uptime >= settings_.backoff_reset_after || previous_backoff_.count() == 0) {
      previous_backoff_ = settings_.exp_backoff_restart_delay;
    } else {
      const auto grown = std::chrono::milliseconds(static_cast<long>(
          static_cast<double>(previous_backoff_.count()) * settings_.backoff_factor));
      previous_backoff_ = std::min(grown, settings_.backoff_cap);
    }
    delay = previous_backoff_;
  }
  ++restarts_;
  return {Action::Restart, delay, "unexpected exit"};
}

}  // namespace clab::cluster
