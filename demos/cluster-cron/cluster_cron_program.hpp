// cluster-cron: the lesson's fourth program, as a function its main (and an exercise that
// brings its own strategy code) calls. A cluster whose workers all carry the same cron
// job (every second by default) and run it under a chosen strategy, printing each run with
// the worker that ran it. With --strategy every-worker each tick runs once per worker: the
// pitfall. lock, queue, primary-only and instance-zero run it once, each at its own cost.
//
// The job writes its tick to one resource in the store ("cron:JOB:last-tick"), guarded by
// the fencing token of its lease or claim (lock, queue) unless --no-fencing: a run that
// paused past its lease then writes late is refused instead of overwriting a newer tick.
//
// Exit status: as native-cluster's; 2 for bad flags, a bad schedule or an unusable backend.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "coord/coordinator.hpp"
#include "sched/scheduler.hpp"

namespace clab::demos {

// Code a program brings in place of cluster-cron's own (each empty one: the built-in).
struct CronProgramCode {
  sched::StrategyCode strategy;
  // The job's fenced write of its tick (not used with --no-fencing); returns the run's
  // outcome: "written", "refused-stale" or "failed: why".
  std::function<std::string(coord::Coordinator& store, const std::string& resource,
                            std::int64_t fence, const std::string& value)>
      fenced_write;
};

// cluster-cron's whole program: flags, primary and workers. Returns the exit status.
int run_cluster_cron(int argc, char** argv, const CronProgramCode& code = {});

}  // namespace clab::demos
