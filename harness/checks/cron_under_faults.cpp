// Check `cron-under-faults`: "a lease with a fencing token, or a queue, keeps a job at once
// per tick when workers die and stall; primary-only and instance-zero pay in missed ticks".
//
// cluster-cron runs a job every second (300 ms of work, then it writes its tick) on 3
// workers, restarted 2 s after they die, for 30 ticks, while the harness:
//   tick +4   kill -9 the worker in slot 0, mid-run
//   tick +11  kill -9 a random worker, mid-run
//   tick +17  (lock, queue) SIGSTOP the worker that just started a run, for the lease TTL
//             (or visibility timeout) + 1.5 s: others take later ticks, then it writes late
//   tick +22  (primary-only) kill -9 the primary
// Then the run records and the store's write log say, per tick, how often its effect was
// written. lock and queue must never write a tick twice nor apply the stalled writer's late
// write (the queue also hands the stalled and the killed runs' jobs out again); without
// fencing (the naive variant) that late write gets through. instance-zero misses the
// ticks while slot 0 is down; primary-only misses every tick after the primary died.
#include <signal.h>

#include <fmt/format.h>

#include <random>
#include <thread>

#include "checks/registry.hpp"
#include "cron_cluster.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono;
using sched::Strategy;

constexpr int kFaultTicks = 30;
constexpr int kWorkers = 3;
constexpr int kJobMs = 300;
constexpr milliseconds kLease{2000};  // lock TTL and queue visibility timeout
constexpr milliseconds kIntoTheRun{150};

struct Variant {
  Strategy strategy;
  BackendKind backend;
  bool fencing = true;

  std::string name() const {
    return fmt::format("{}{}/{}", to_string(strategy), fencing ? "" : " unfenced",
                       to_string(backend));
  }
  bool stalls_a_holder() const { return strategy == Strategy::Lock || strategy == Strategy::Queue; }
};

struct StalledRun {
  pid_t pid = 0;
  std::int64_t tick = 0;
  std::int64_t fence = 0;
  std::string outcome = "never recorded";
};

class FaultRun {
 public:
  FaultRun(const Variant& variant, ClusterUnderTest& cluster, int workers, std::int64_t first)
      : variant_(variant),
        workers_(workers),
        cluster_(cluster),
        first_(first),
        random_(std::hash<std::string>()(variant.name())) {}

  void inject() {
    kill_worker_at(4, 0);
    kill_worker_at(11, static_cast<int>(random_() % static_cast<unsigned>(workers_)));
    if (variant_.stalls_a_holder()) stall_holder_at(17);
    if (variant_.strategy == Strategy::PrimaryOnly) {
      wait_past_tick(first_ + kPrimaryKilledAt, kIntoTheRun);
      ::kill(cluster_.primary_pid(), SIGKILL);
      faults_.push_back(
          fmt::format("+{} kill -9 primary {}", kPrimaryKilledAt, cluster_.primary_pid()));
    }
  }

  static constexpr int kPrimaryKilledAt = 22;
  const std::vector<std::string>& faults() const { return faults_; }
  std::optional<StalledRun>& stalled() { return stalled_; }

 private:
  // At tick `offset`, a little into its run: kill -9 the worker in `slot`.
  void kill_worker_at(int offset, int slot) {
    wait_past_tick(first_ + offset, kIntoTheRun);
    const auto pid = cluster_.worker_in_slot(slot);
    if (!pid) return faults_.push_back(fmt::format("+{} no worker in slot {}", offset, slot));
    ::kill(*pid, SIGKILL);
    faults_.push_back(fmt::format("+{} kill -9 worker {} (slot {})", offset, *pid, slot));
  }

  void stall_holder_at(int offset) {
    const auto start = cluster_.wait_event("cron-start", seconds(offset + 10), [&](const auto& e) {
      return e.value("tick", std::int64_t{0}) >= first_ + offset && e.value("worker", 0) != 0;
    });
    if (!start) return faults_.push_back("no run started to stall");
    stalled_ = StalledRun{(*start)["pid"].get<pid_t>(), (*start)["tick"].get<std::int64_t>(),
                          (*start)["fence"].get<std::int64_t>()};
    ::kill(stalled_->pid, SIGSTOP);
    const milliseconds pause = kLease + milliseconds(1500);
    std::this_thread::sleep_for(pause);  // the fault is a pause of this length
    ::kill(stalled_->pid, SIGCONT);
    faults_.push_back(fmt::format("+{} SIGSTOP worker {} for {} ms, holding fence {}",
                                  stalled_->tick - first_, stalled_->pid, pause.count(),
                                  stalled_->fence));
  }

  const Variant& variant_;
  int workers_;
  ClusterUnderTest& cluster_;
  std::int64_t first_;
  std::minstd_rand random_;
  std::vector<std::string> faults_;
  std::optional<StalledRun> stalled_;
};

CheckResult run_variant(const CheckContext& context, const Variant& variant) {
  CheckResult r{.check = "cron-under-faults", .variant = variant.name()};
  auto backend = BackendUnderTest::start(variant.backend, "cron-under-faults");
  if (!backend) {
    r.expect(false, "no backend: " + backend.error().message);
    return r;
  }
  const std::string lease_ms = std::to_string(kLease.count());
  CronClusterOptions options{
      .backend = backend.value()->spec(),
      .strategy = variant.strategy,
      .workers = std::max(kWorkers, context.workers),
      .job_ms = kJobMs,
      .extra_args = {"--restart-delay", "2000", "--lock-ttl", lease_ms, "--visibility", lease_ms}};
  if (!variant.fencing) options.extra_args.push_back("--no-fencing");
  auto cluster = start_cron_cluster(r, context, options);
  if (!cluster) return r;

  const std::int64_t first = first_tick_after(milliseconds(1500));
  const std::int64_t last = first + kFaultTicks - 1;
  FaultRun faults(variant, *cluster, options.workers, first);
  faults.inject();
  wait_past_tick(last, milliseconds(1500 + kJobMs));
  (void)cluster->stop();

  auto& store = backend.value()->store();
  const auto tally = tally_ticks(r, store, first, last);
  if (!tally) return r;
  int redelivered = 0;
  if (auto runs = store.runs("report")) {
    for (const auto& run : runs.value()) {
      redelivered += run.outcome.find("attempt") != std::string::npos;
      auto& stalled = faults.stalled();
      if (stalled && run.pid == stalled->pid && run.tick == stalled->tick)
        stalled->outcome = run.outcome;
    }
  }
  r.figures = sched::totals_json(*tally);
  r.figures["faults"] = faults.faults();
  r.figures["redelivered_runs"] = redelivered;

  std::string stall;
  if (const auto& stalled = faults.stalled()) {
    r.figures["stalled_run"] = {{"pid", stalled->pid},
                                {"tick_offset", stalled->tick - first},
                                {"fence", stalled->fence},
                                {"outcome", stalled->outcome}};
    stall = fmt::format("; the writer stalled past its lease (fence {}): {}", stalled->fence,
                        stalled->outcome);
  }
  const std::string counts = fmt::format(
      "{} ticks: {} written twice, {} missed, {} stale writes refused, {} let through", kFaultTicks,
      tally->duplicated_ticks, tally->missed_ticks, tally->refused_stale, tally->stale_written);

  switch (variant.strategy) {
    case Strategy::Lock:
    case Strategy::Queue:
      r.expect(faults.stalled().has_value(), "no run was stalled: the fault did not happen");
      if (!variant.fencing) {
        r.expect(tally->stale_written >= 1,
                 "the stalled writer's late write did not land: the pitfall did not show");
        r.conclude("pitfall: " + counts + stall + " (an older tick over a newer one)");
        break;
      }
      r.expect(tally->duplicated_ticks == 0,
               fmt::format("{} ticks were written twice", tally->duplicated_ticks));
      r.expect(tally->stale_written == 0,
               fmt::format("{} stale writes were accepted", tally->stale_written));
      r.expect(faults.stalled() && faults.stalled()->outcome.starts_with("refused-stale"),
               "the stalled writer's late write was not refused");
      // A redelivered job runs late; its write is refused too when a newer tick's claim
      // (a higher fence) wrote first: for a "last tick" register that is the right answer.
      if (variant.strategy == Strategy::Queue)
        r.expect(redelivered >= 1, "no job was handed out again after its visibility timeout");
      r.conclude(counts + stall +
                 (variant.strategy == Strategy::Queue
                      ? fmt::format("; {} jobs handed out again, {} written late", redelivered,
                                    tally->late_written)
                      : ""));
      break;
    case Strategy::InstanceZero:
      r.expect(tally->duplicated_ticks == 0, "a tick ran twice");
      r.expect(tally->missed_ticks >= 1, "no tick was missed while slot 0 was down");
      r.conclude("cost: " + counts + " (nobody runs them while slot 0 restarts)");
      break;
    case Strategy::PrimaryOnly: {
      int after_death = 0;
      for (const auto& [tick, t] : tally->ticks)
        after_death += tick >= first + FaultRun::kPrimaryKilledAt && t.written == 0;
      const int expected = kFaultTicks - FaultRun::kPrimaryKilledAt;
      r.figures["missed_after_primary_died"] = after_death;
      r.expect(tally->duplicated_ticks == 0, "a tick ran twice");
      r.expect(after_death >= expected - 1,
               fmt::format("only {} of the {} ticks after the primary died were missed",
                           after_death, expected));
      r.conclude(fmt::format("cost: {}; {} of them after the primary died (nothing restarts it)",
                             counts, after_death));
      break;
    }
    case Strategy::EveryWorker:
    case Strategy::LockReleased:
    case Strategy::QueueIdNow:
      break;  // not run under faults: they duplicate ticks without any (duplicate-cron)
  }
  return r;
}

class CronUnderFaultsCheck final : public Check {
 public:
  std::string name() const override { return "cron-under-faults"; }
  std::string claim() const override {
    return "with kill -9 and a stalled holder, lock and queue never write a tick twice nor a stale "
           "tick";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    const std::vector<Variant> variants = {
        {Strategy::Lock, BackendKind::Sqlite},        {Strategy::Lock, BackendKind::Redis},
        {Strategy::Lock, BackendKind::Sqlite, false}, {Strategy::Queue, BackendKind::Sqlite},
        {Strategy::Queue, BackendKind::Redis},        {Strategy::InstanceZero, BackendKind::Sqlite},
        {Strategy::PrimaryOnly, BackendKind::Sqlite},
    };
    std::vector<std::function<CheckResult()>> runs;
    for (const auto& v : variants)
      runs.push_back([&context, v] { return run_variant(context, v); });
    return run_in_parallel(runs);
  }
};

}  // namespace

std::unique_ptr<Check> make_cron_under_faults_check() {
  return std::make_unique<CronUnderFaultsCheck>();
}

}  // namespace clab::harness
