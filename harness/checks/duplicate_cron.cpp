// Check `duplicate-cron`: "a cron job in every worker runs once per worker per tick; a lock,
// a queue or the primary alone run it once" (the lesson's fourth pitfall).
//
// For each backend (SQLite, Redis) and strategy, cluster-cron runs a job every second on N
// workers whose timers fire 200 ms apart (--skew-ms: clock skew, busy event loops); after
// 10 ticks the run records in the store are counted per tick. every-worker must show the
// pitfall (N runs of every tick); the seed's own fixes, lock-released and queue-id-now,
// must show duplicated ticks too; the others exactly one run per tick. All variants run at
// once: each waits for the same wall-clock ticks.
#include <fmt/format.h>

#include "checks/registry.hpp"
#include "cron_cluster.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono;
using sched::Strategy;

constexpr int kDuplicateTicks = 10;
constexpr int kSkewMs = 200;  // longer than a run (100 ms): the first run ends before the next
                              // worker's timer fires

CheckResult run_variant(const CheckContext& context, Strategy strategy, BackendKind kind) {
  CheckResult r{.check = "duplicate-cron",
                .variant = fmt::format("{}/{}", to_string(strategy), to_string(kind))};
  auto backend = BackendUnderTest::start(kind, "duplicate-cron");
  if (!backend) {
    r.expect(false, "no backend: " + backend.error().message);
    return r;
  }
  const int workers = context.workers;
  auto cluster = start_cron_cluster(r, context,
                                    {.backend = backend.value()->spec(),
                                     .strategy = strategy,
                                     .workers = workers,
                                     .extra_args = {"--skew-ms", std::to_string(kSkewMs)}});
  if (!cluster) return r;
  const std::int64_t first = first_tick_after(milliseconds(1500));
  const std::int64_t last = first + kDuplicateTicks - 1;
  wait_past_tick(last, milliseconds(1500));
  const auto stopped = cluster->stop();
  r.expect(stopped.has_value(), "cluster-cron did not stop on SIGTERM");

  const auto tally = tally_ticks(r, backend.value()->store(), first, last);
  if (!tally) return r;
  r.figures = sched::totals_json(*tally);
  r.figures["workers"] = workers;
  if (strategy == Strategy::EveryWorker) {
    r.expect(tally->runs == kDuplicateTicks * workers,
             fmt::format("{} runs of {} ticks, not {} per tick as the pitfall has it", tally->runs,
                         kDuplicateTicks, workers));
    r.expect(tally->duplicated_ticks == kDuplicateTicks,
             "some tick ran only once: no pitfall shown");
    r.conclude(fmt::format("pitfall: {} ticks, {} runs: every tick ran {} times (once per worker)",
                           kDuplicateTicks, tally->runs, tally->max_runs_per_tick));
    return r;
  }
  if (sched::duplicates_ticks(strategy)) {
    r.expect(tally->duplicated_ticks > 0, "no tick ran twice: the seed's bug did not show");
    r.conclude(fmt::format("the seed's code: {} of {} ticks ran more than once ({} runs)",
                           tally->duplicated_ticks, kDuplicateTicks, tally->runs));
    return r;
  }
  r.expect(tally->duplicated_ticks == 0,
           fmt::format("{} ticks ran more than once", tally->duplicated_ticks));
  r.expect(tally->missed_ticks == 0, fmt::format("{} ticks never ran", tally->missed_ticks));
  std::set<std::string> runners;
  for (const auto& [tick, t] : tally->ticks)
    runners.insert(t.runners.begin(), t.runners.end());
  r.figures["runners"] = runners.size();
  r.conclude(fmt::format("{} ticks, {} runs: {} ({} duplicates, {} missed), run by {} process{}",
                         kDuplicateTicks, tally->runs,
                         r.failures.empty() ? "each tick once" : "not once per tick",
                         tally->duplicated_ticks, tally->missed_ticks, runners.size(),
                         runners.size() == 1 ? "" : "es"));
  return r;
}

class DuplicateCronCheck final : public Check {
 public:
  std::string name() const override { return "duplicate-cron"; }
  std::string claim() const override {
    return "a cron job in every worker runs N times per tick; lock, queue, primary-only once";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    std::vector<std::function<CheckResult()>> variants;
    for (const BackendKind kind : {BackendKind::Sqlite, BackendKind::Redis})
      for (const Strategy strategy : sched::kAllStrategies)
        variants.push_back(
            [&context, strategy, kind] { return run_variant(context, strategy, kind); });
    return run_in_parallel(variants);
  }
};

}  // namespace

std::unique_ptr<Check> make_duplicate_cron_check() {
  return std::make_unique<DuplicateCronCheck>();
}

}  // namespace clab::harness
