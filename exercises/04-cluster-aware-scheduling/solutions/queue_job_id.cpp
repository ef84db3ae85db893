// Exercise queue-job-id (lesson 4), solved: the id names the tick (its scheduled second),
// which is the same in every worker however late its timer fires, so the queue accepts it
// once.
#include <string>

#include "cluster_cron_program.hpp"

std::string queue_job_id(const std::string& job, std::int64_t tick) {
  return job + "@" + std::to_string(tick);
}

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv, {.strategy = {.queue_job_id = queue_job_id}});
}
