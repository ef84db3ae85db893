// Exercise ack-after-run (lesson 5): a queue consumer that loses no job when it dies.
//
// This is cluster-cron with the queue strategy's consumer of yours. On each tick every
// worker enqueues the tick's job (accepted once) and then consumes: it claims what waits
// in the queue and runs it. A claim is invisible to other consumers for `visibility`; a
// job claimed and not completed within it is handed out again, so a consumer that dies
// mid-run does not take its job with it. The harness's cron-under-faults check kills
// workers with SIGKILL in the middle of a run and expects the queue to hand that job to
// another worker.
//
// The consumer below acknowledges each job as soon as it has claimed it (as a message
// consumer with auto-ack does): a consumer killed mid-run has already said it is done,
// and the tick is lost. Fix it.
//
// store.claim(queue, visibility) returns the next job or nothing; store.complete(job)
// removes it for good (lib/coord/coordinator.hpp).
#include <functional>
#include <string>

#include "cluster_cron_program.hpp"

using namespace clab;

void consume(coord::Coordinator& store, const std::string& queue, coord::Millis visibility,
             const std::function<void(const coord::Job&)>& run) {
  for (;;) {
    auto job = store.claim(queue, visibility);
    if (!job || !job.value()) return;  // the store failed, or nothing is waiting
    (void)store.complete(*job.value());
    run(*job.value());
  }
}

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv, {.strategy = {.consume = consume}});
}
