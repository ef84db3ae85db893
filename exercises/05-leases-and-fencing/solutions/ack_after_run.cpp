// Exercise ack-after-run (lesson 5), solved: a job is completed after it ran. A consumer
// that dies mid-run never completes it, so the queue hands it out again once its
// visibility timeout passes: at least once, hence a job that must be safe to run twice
// (here the fenced write makes the late run harmless).
#include <functional>
#include <string>

#include "cluster_cron_program.hpp"

using namespace clab;

void consume(coord::Coordinator& store, const std::string& queue, coord::Millis visibility,
             const std::function<void(const coord::Job&)>& run) {
  for (;;) {
    auto job = store.claim(queue, visibility);
    if (!job || !job.value()) return;  // the store failed, or nothing is waiting
    run(*job.value());
    (void)store.complete(*job.value());
  }
}

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv, {.strategy = {.consume = consume}});
}
