// RunTally: what a window of ticks amounted to. The runs (from the run records) say who
// ran each tick and which late writes a fence refused; the effects (the write log of the
// job's resource, in the order the store applied them, each write's value a tick) say how
// often each tick was written, and whether a stale write got through.
//
// A write is stale when the store had already applied a write with a higher fencing token:
// its lease or claim had been superseded (writes without a fence count by tick instead). A
// write is late when a newer tick had been written before it: a redelivered job, say,
// legitimately late.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "coord/coordinator.hpp"

namespace clab::sched {

struct TickTally {
  int runs = 0;
  int written = 0;
  int refused_stale = 0;
  std::set<std::string> runners;  // "host/worker"
};

struct RunTally {
  std::map<std::int64_t, TickTally> ticks;  // every tick of the window, even those not run
  int runs = 0;
  int duplicated_ticks = 0;  // written more than once
  int missed_ticks = 0;      // never written
  int max_runs_per_tick = 0;
  int refused_stale = 0;  // late writes a fence refused
  int stale_written = 0;  // superseded writers' writes applied
  int late_written = 0;   // writes of a tick older than one already written
};

// Tallies the ticks in [first_tick, last_tick]; runs and writes of other ticks are ignored
// (but a write of a newer tick still makes later ones late or stale).
RunTally tally_runs(const std::vector<coord::RunRecord>& runs,
                    const std::vector<coord::GuardedValue>& writes, std::int64_t first_tick,
                    std::int64_t last_tick);

// The totals as JSON (ticks, runs, duplicated_ticks, missed_ticks, max_runs_per_tick,
// refused_stale, stale_written, late_written): cluster-cron's summary, the checks' figures.
nlohmann::json totals_json(const RunTally& tally);

}  // namespace clab::sched
