// Exercise lock-per-tick (lesson 4), solved: the lock is named for the tick, not the job,
// and left to expire instead of being released, so a worker whose timer fires late finds
// the tick's lock still held. (A release, where one is wanted, must free only the holder's
// own lease: Coordinator::release checks the owner token.)
#include <string>

#include "cluster_cron_program.hpp"

using namespace clab;

void run_under_lock(coord::Coordinator& store, const std::string& job, std::int64_t tick,
                    coord::Millis ttl, const std::function<void(std::int64_t fence)>& run) {
  auto lease = store.try_acquire(job + "@" + std::to_string(tick), ttl);
  if (!lease || !lease.value()) return;  // the store failed, or another worker has this tick
  run(lease.value()->fence);             // and no release: the lease expires after ttl
}

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv,
                                       {.strategy = {.run_under_lock = run_under_lock}});
}
