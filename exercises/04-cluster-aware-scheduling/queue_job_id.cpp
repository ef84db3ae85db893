// Exercise queue-job-id (lesson 4): a queue that accepts each tick's job once.
//
// This is cluster-cron with the queue strategy's job id of yours. Every worker's timer
// fires on each tick and enqueues the job; the queue refuses an id it already holds, so
// the job runs once per tick only if every worker computes the same id for the same tick.
// The seed writes:
//
//   await queue.add('hourly', {}, { jobId: `hourly-${Date.now()}` });
//
// and the id below is that: the time at which this worker's timer fired. The harness's
// duplicate-cron check fires the workers 200 ms apart (clock skew, busy event loops), so
// every id differs, the queue accepts them all, and its queue rows run each tick twice.
#include <chrono>
#include <string>

#include "cluster_cron_program.hpp"

std::string queue_job_id(const std::string& job, std::int64_t tick) {
  (void)tick;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return job + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv, {.strategy = {.queue_job_id = queue_job_id}});
}
