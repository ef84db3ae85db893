// Exercise fenced-write (lesson 5): a write that a stale lease holder cannot make.
//
// This is cluster-cron with the job's write of yours. Each run writes its tick to one
// record in the store ("cron:report:last-tick"), under the fencing token of its lease or
// claim: a number that grows with every grant. The harness's cron-under-faults check
// freezes a worker in the middle of a run (SIGSTOP) for longer than its lease; other
// workers run the next ticks; then the frozen one wakes up and writes its old tick over
// theirs. The write below is made whatever the token: the stale write lands.
//
// Make the store refuse a write whose token is older than the newest it accepted. Return
// "written" when it was accepted, "refused-stale" when it was refused, "failed: why" when
// the store failed (lib/coord/coordinator.hpp has the call you need).
#include <string>

#include "cluster_cron_program.hpp"

using namespace clab;

std::string write_tick(coord::Coordinator& store, const std::string& resource, std::int64_t fence,
                       const std::string& tick) {
  auto written = store.write_unfenced(resource, fence, tick);
  if (!written) return "failed: " + written.error().message;
  return "written";
}

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv, {.fenced_write = write_tick});
}
