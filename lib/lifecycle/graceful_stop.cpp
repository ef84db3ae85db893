#include "lifecycle/graceful_stop.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace clab::lifecycle {

int stop_gracefully(Drainable& server, ShutdownHooks& hooks, const GracefulStop& how) {
  const auto log = [&](const std::string& line) {
    if (how.log) how.log(line);
  };
  if (how.announce) how.announce();
  server.begin_drain();
  const DrainReport drain = server.wait_drained(how.drain_timeout);
  if (!drain.drained) {
    log(fmt::format("drain deadline of {} ms passed with {} requests still running: {}",
                    how.drain_timeout.count(), drain.still_running.size(),
                    fmt::join(drain.still_running, ", ")));
  }
  bool hooks_completed = true;
  for (const auto& hook : hooks.run_all()) {
    if (!hook.completed) log(fmt::format("shutdown hook '{}' {}", hook.name, hook.error));
    hooks_completed &= hook.completed;
  }
  return drain.drained && hooks_completed ? 0 : 1;
}

}  // namespace clab::lifecycle
