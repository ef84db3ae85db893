// Exercise stop-sequence (lesson 3), solved: announce, drain within the deadline, then the
// hooks (which may close what the requests still needed), then exit non-zero if anything
// was cut short.
#include "graceful_shutdown_program.hpp"

using namespace clab::lifecycle;

int stop_worker(Drainable& server, ShutdownHooks& hooks, const GracefulStop& how) {
  if (how.announce) how.announce();  // the supervisor sends no new work, and waits
  server.begin_drain();              // requests in flight finish; idle connections close
  const DrainReport drain = server.wait_drained(how.drain_timeout);
  bool hooks_completed = true;
  for (const auto& hook : hooks.run_all())
    hooks_completed &= hook.completed;
  return drain.drained && hooks_completed ? 0 : 1;
}

int main(int argc, char** argv) {
  return clab::demos::run_graceful_shutdown(argc, argv, {.stop_sequence = stop_worker});
}
