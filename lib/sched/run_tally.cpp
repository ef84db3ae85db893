#include "sched/run_tally.hpp"

#include <algorithm>

namespace clab::sched {

RunTally tally_runs(const std::vector<coord::RunRecord>& runs, std::int64_t first_tick,
                    std::int64_t last_tick) {
  RunTally tally;
  for (std::int64_t tick = first_tick; tick <= last_tick; ++tick)
    tally.ticks[tick];
  std::vector<const coord::RunRecord*> writes;
  for (const auto& run : runs) {
    if (run.tick < first_tick || run.tick > last_tick) continue;
    auto& t = tally.ticks[run.tick];
    ++t.runs;
    ++tally.runs;
    t.runners.insert(run.host + "/" + std::to_string(run.worker));
    if (run.outcome.starts_with("written")) {
      ++t.written;
      writes.push_back(&run);
    } else if (run.outcome.starts_with("refused-stale")) {
      ++t.refused_stale;
      ++tally.refused_stale;
    }
  }
  for (const auto& [tick, t] : tally.ticks) {
    tally.duplicated_ticks += t.written > 1;
    tally.missed_ticks += t.written == 0;
    tally.max_runs_per_tick = std::max(tally.max_runs_per_tick, t.runs);
  }
  std::stable_sort(writes.begin(), writes.end(),
                   [](auto* a, auto* b) { return a->ended_ms < b->ended_ms; });
  std::int64_t newest_tick = 0, highest_fence = 0;
  for (const auto* write : writes) {
    const bool late = write->tick < newest_tick;
    tally.late_written += late;
    tally.stale_written += write->fence > 0 ? write->fence < highest_fence : late;
    newest_tick = std::max(newest_tick, write->tick);
    highest_fence = std::max(highest_fence, write->fence);
  }
  return tally;
}

}  // namespace clab::sched
