// Exercise lock-per-tick (lesson 4): a lock that lets each tick run once.
//
// This is cluster-cron with the lock strategy's code of yours: on each tick every worker's
// timer calls run_under_lock, and run(fence) runs the job. The seed writes:
//
//   const lock = await redlock.acquire(['hourly-task'], 60000);
//   try { await sendReport(); } finally { await lock.release(); }
//
// and the code below is that. The harness's duplicate-cron check fires the workers 200 ms
// apart and the job takes 100 ms: the first worker's run is over, and the lock released,
// before the next worker's timer fires; it takes the free lock and runs the same tick
// again. Fix it until the lock rows of duplicate-cron run each tick once.
//
// store.try_acquire(name, ttl) grants a lease (with an owner token and a fencing token) or
// nothing when another process holds one; store.release(lease) frees it if it is still
// yours (lib/coord/coordinator.hpp).
#include <string>

#include "cluster_cron_program.hpp"

using namespace clab;

void run_under_lock(coord::Coordinator& store, const std::string& job, std::int64_t tick,
                    coord::Millis ttl, const std::function<void(std::int64_t fence)>& run) {
  (void)tick;
  auto lease = store.try_acquire(job, ttl);
  if (!lease || !lease.value()) return;  // the store failed, or another worker has it
  run(lease.value()->fence);
  (void)store.release(*lease.value());
}

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv,
                                       {.strategy = {.run_under_lock = run_under_lock}});
}
