// RunTally: what the run records say about a window of ticks: how often each tick ran,
// which ticks ran more than once or not at all, and whether a stale write got through.
//
// A tick's effect counts as written when a run's outcome starts with "written". A write is
// stale when a write with a higher fencing token was accepted before it: its lease or claim
// had been superseded (runs without a fence count by tick instead). A write is late when
// a later tick had been written before it: a redelivered job, say, legitimately late.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

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
  int stale_written = 0;  // superseded writers' writes accepted
  int late_written = 0;   // writes of a tick older than one already written
};

// Tallies the runs of ticks in [first_tick, last_tick]; others are ignored.
RunTally tally_runs(const std::vector<coord::RunRecord>& runs, std::int64_t first_tick,
                    std::int64_t last_tick);

}  // namespace clab::sched
