// Check `multi-host`: "a lock or a queue in Redis keeps a job at once per tick across
// hosts, where a lock in one host's memory or file could not".
//
// Two cluster-cron clusters stand for two hosts (--host-name host-a, host-b), each with N
// workers and its own primary, sharing one redis-server. After 10 ticks the run records of
// both are counted per tick: every-worker shows 2N runs per tick; lock and queue one run
// per tick across both hosts. The clusters run on this machine's loopback, as separate
// process trees that share nothing but the Redis connection: ClusterLab binds 127.0.0.1
// only, so no network namespaces are used.
#include <fmt/format.h>

#include <map>

#include "checks/registry.hpp"
#include "cron_cluster.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono;
using sched::Strategy;

constexpr int kTicks = 10;
const char* const kHosts[] = {"host-a", "host-b"};

CheckResult run_variant(const CheckContext& context, Strategy strategy) {
  CheckResult r{.check = "multi-host", .variant = fmt::format("{}/redis", to_string(strategy))};
  auto backend = BackendUnderTest::start(BackendKind::Redis, "multi-host");
  if (!backend) {
    r.expect(false, "no backend: " + backend.error().message);
    return r;
  }
  std::vector<std::unique_ptr<ClusterUnderTest>> hosts;
  for (const char* host : kHosts) {
    hosts.push_back(start_cron_cluster(r, context,
                                       {.backend = backend.value()->spec(),
                                        .strategy = strategy,
                                        .workers = context.workers,
                                        .host_name = host}));
    if (!hosts.back()) return r;
  }
  const std::int64_t first = first_tick_after(milliseconds(1500));
  const std::int64_t last = first + kTicks - 1;
  wait_past_tick(last, milliseconds(1500));
  for (auto& host : hosts)
    r.expect(host->stop().has_value(), "a cluster did not stop on SIGTERM");

  auto runs = backend.value()->store().runs("report");
  const auto tally = tally_ticks(r, backend.value()->store(), first, last);
  if (!tally || !runs) return r;
  std::map<std::string, int> by_host;
  for (const auto& run : runs.value())
    if (run.tick >= first && run.tick <= last) ++by_host[run.host];
  r.figures = sched::totals_json(*tally);
  r.figures["runs_by_host"] = by_host;
  r.figures["network"] = "loopback";
  const std::string split =
      fmt::format("host-a {}, host-b {}", by_host["host-a"], by_host["host-b"]);
  const int per_tick = 2 * context.workers;
  if (strategy == Strategy::EveryWorker) {
    r.expect(tally->runs == kTicks * per_tick,
             fmt::format("{} runs, not {} per tick", tally->runs, per_tick));
    r.conclude(fmt::format("pitfall: {} ticks, {} runs ({}): every tick {} times", kTicks,
                           tally->runs, split, tally->max_runs_per_tick));
    return r;
  }
  r.expect(tally->duplicated_ticks == 0,
           fmt::format("{} ticks ran on both hosts", tally->duplicated_ticks));
  r.expect(tally->missed_ticks == 0, fmt::format("{} ticks never ran", tally->missed_ticks));
  r.conclude(fmt::format("{} ticks, {} runs ({}): each tick once across both hosts", kTicks,
                         tally->runs, split));
  return r;
}

class MultiHostCheck final : public Check {
 public:
  std::string name() const override { return "multi-host"; }
  std::string claim() const override {
    return "two clusters sharing one Redis run a job once per tick between them";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    std::vector<std::function<CheckResult()>> variants;
    for (const Strategy s : {Strategy::EveryWorker, Strategy::Lock, Strategy::Queue})
      variants.push_back([&context, s] { return run_variant(context, s); });
    auto results = run_in_parallel(variants);
    for (auto& r : results)
      r.note = "two clusters on loopback as two hosts; no network namespaces (127.0.0.1 only)";
    return results;
  }
};

}  // namespace

std::unique_ptr<Check> make_multi_host_check() {
  return std::make_unique<MultiHostCheck>();
}

}  // namespace clab::harness
