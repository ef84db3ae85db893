#include "sched/run_tally.hpp"

#include <algorithm>
#include <charconv>

namespace clab::sched {

RunTally tally_runs(const std::vector<coord::RunRecord>& runs,
                    const std::vector<coord::GuardedValue>& writes, std::int64_t first_tick,
                    std::int64_t last_tick) {
  RunTally tally;
  auto in_window = [&](std::int64_t tick) { return tick >= first_tick && tick <= last_tick; };
  for (std::int64_t tick = first_tick; tick <= last_tick; ++tick)
    tally.ticks[tick];
  for (const auto& run : runs) {
    if (!in_window(run.tick)) continue;
    auto& t = tally.ticks[run.tick];
    ++t.runs;
    ++tally.runs;
    t.runners.insert(run.host + "/" + std::to_string(run.worker));
    if (run.outcome.starts_with("refused-stale")) {
      ++t.refused_stale;
      ++tally.refused_stale;
    }
  }
  std::int64_t newest_tick = 0, highest_fence = 0;
  for (const auto& write : writes) {
    std::int64_t tick = 0;
    const auto [end, ec] =
        std::from_chars(write.value.data(), write.value.data() + write.value.size(), tick);
    if (ec != std::errc() || end != write.value.data() + write.value.size()) continue;
    const bool late = tick < newest_tick;
    const bool stale = write.fence > 0 ? write.fence < highest_fence : late;
    newest_tick = std::max(newest_tick, tick);
    highest_fence = std::max(highest_fence, write.fence);
    if (!in_window(tick)) continue;
    ++tally.ticks[tick].written;
    tally.late_written += late;
    tally.stale_written += stale;
  }
  for (const auto& [tick, t] : tally.ticks) {
    tally.duplicated_ticks += t.written > 1;
    tally.missed_ticks += t.written == 0;
    tally.max_runs_per_tick = std::max(tally.max_runs_per_tick, t.runs);
  }
  return tally;
}

nlohmann::json totals_json(const RunTally& t) {
  return {{"ticks", t.ticks.size()},
          {"runs", t.runs},
          {"duplicated_ticks", t.duplicated_ticks},
          {"missed_ticks", t.missed_ticks},
          {"max_runs_per_tick", t.max_runs_per_tick},
          {"refused_stale", t.refused_stale},
          {"stale_written", t.stale_written},
          {"late_written", t.late_written}};
}

}  // namespace clab::sched
