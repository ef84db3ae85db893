// Exercise fenced-write (lesson 5), solved: the store compares the token with the highest
// it has accepted for the record, in the same step as the write, and refuses an older one.
#include <string>

#include "cluster_cron_program.hpp"

using namespace clab;

std::string write_tick(coord::Coordinator& store, const std::string& resource, std::int64_t fence,
                       const std::string& tick) {
  auto accepted = store.write_if_fence_current(resource, fence, tick);
  if (!accepted) return "failed: " + accepted.error().message;
  return accepted.value() ? "written" : "refused-stale";
}

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv, {.fenced_write = write_tick});
}
