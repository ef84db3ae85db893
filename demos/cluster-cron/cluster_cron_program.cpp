#include "cluster_cron_program.hpp"

#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli_error.hpp"
#include "cluster/environment.hpp"
#include "cluster_flags.hpp"
#include "coord/run_record_json.hpp"
#include "sched/run_tally.hpp"
#include "sched/scheduler.hpp"

namespace {

using namespace clab;
using namespace std::chrono;

struct CronFlags {
  std::string strategy = "every-worker";
  std::string schedule = "* * * * * *";
  std::string job = "report";
  std::string zone = "utc";
  int job_ms = 100;
  int lock_ttl_ms = 2000;
  int visibility_ms = 2000;
  int skew_ms = 0;
  bool no_fencing = false;
  std::string host_name;
};

void add_cron_flags(CLI::App& app, CronFlags& f) {
  app.add_option("--strategy", f.strategy, "how the cluster runs a tick once")
      ->check(CLI::IsMember({"every-worker", "primary-only", "instance-zero", "lock", "queue",
                             "lock-released", "queue-id-now"}))
      ->capture_default_str();
  app.add_option("--schedule", f.schedule, "cron expression, 5 fields or 6 with seconds first")
      ->check([](const std::string& text) {
        auto parsed = sched::CronExpression::parse(text);
        return parsed ? std::string() : parsed.error().message;
      })
      ->capture_default_str();
  app.add_option("--job", f.job, "the job's name")->capture_default_str();
  app.add_option("--tz", f.zone, "the zone the schedule is read in")
      ->check(CLI::IsMember({"utc", "local"}))
      ->capture_default_str();
  app.add_option("--job-ms", f.job_ms, "how long one run works before writing its tick")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--lock-ttl", f.lock_ttl_ms, "lock: ms a tick's lease lasts")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  app.add_option("--visibility", f.visibility_ms,
                 "queue: ms before an unfinished claim is handed to another consumer")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  app.add_option("--skew-ms", f.skew_ms,
                 "each worker fires instance x this many ms after the tick (clock skew, a busy "
                 "event loop)")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_flag("--no-fencing", f.no_fencing,
               "write without the fencing token: a stalled run's late write gets through");
  app.add_option("--host-name", f.host_name, "this cluster's name in the run records")
      ->default_str("the host name");
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

std::string last_tick_resource(const std::string& job) {
  return "cron:" + job + ":last-tick";
}

// The job's work: wait job_ms, then write the tick, fenced when the run has a fence.
sched::JobBody make_job(const CronFlags& flags, coord::Coordinator& store,
                        const demos::CronProgramCode& code) {
  return [&flags, &store, &code](const sched::RunContext& run) -> std::string {
    std::this_thread::sleep_for(milliseconds(flags.job_ms));
    const std::string resource = last_tick_resource(flags.job);
    const std::string value = std::to_string(run.tick);
    if (run.fence > 0 && !flags.no_fencing) {
      if (code.fenced_write) return code.fenced_write(store, resource, run.fence, value);
      auto accepted = store.write_if_fence_current(resource, run.fence, value);
      if (!accepted) return "failed: " + accepted.error().message;
      return accepted.value() ? "written" : "refused-stale";
    }
    if (auto written = store.write_unfenced(resource, run.fence, value); !written)
      return "failed: " + written.error().message;
    return "written";
  };
}

// One line per event, in a single write(2): workers and the primary share stdout.
void print_line(const std::string& line) {
  const std::string text = line + "\n";
  (void)!::write(STDOUT_FILENO, text.data(), text.size());
}

std::string clock_time(std::int64_t unix_seconds) {
  return fmt::format("{:%H:%M:%S}", sys_seconds(seconds(unix_seconds)));
}

std::string who(const coord::RunRecord& run) {
  return run.worker == 0 ? fmt::format("{:<9}", "primary")
                         : fmt::format("worker {:<2}", run.worker);
}

sched::Scheduler::EventHandler make_printer(bool json) {
  using Kind = sched::SchedulerEvent::Kind;
  return [json](const sched::SchedulerEvent& e) {
    if (json) {
      static constexpr const char* kNames[] = {"cron-start", "cron-run", "cron-not-mine",
                                               "cron-skip"};
      nlohmann::json line = e.run;
      line["event"] = kNames[static_cast<int>(e.kind)];
      if (!e.reason.empty()) line["reason"] = e.reason;
      return print_line(line.dump());
    }
    const auto& r = e.run;
    if (e.kind == Kind::Finished) {
      print_line(fmt::format("{}  {}  tick {}  {}  pid {:<7}  fence {:<5}  {}", clock_time(r.tick),
                             r.job, clock_time(r.tick), who(r), r.pid,
                             r.fence == 0 ? "-" : std::to_string(r.fence), r.outcome));
    } else if (e.kind == Kind::Skipped) {
      print_line(fmt::format("{}  {}  tick {}  {}  pid {:<7}  skipped: {}",
                             clock_time(coord::unix_ms() / 1000), r.job, clock_time(r.tick), who(r),
                             r.pid, e.reason));
    }
  };
}

sched::JobSpec job_spec(const CronFlags& f, const sched::StrategyCode& code) {
  return {.name = f.job,
          .schedule = sched::CronExpression::parse(f.schedule).value(),
          .zone = f.zone == "local" ? sched::Zone::Local : sched::Zone::Utc,
          .strategy = sched::parse_strategy(f.strategy).value(),
          .lock_ttl = milliseconds(f.lock_ttl_ms),
          .visibility = milliseconds(f.visibility_ms),
          .skew = milliseconds(f.skew_ms),
          .code = code};
}

// What this host's runs started since `since_ms` add up to, from the first tick run to the
// last.
void print_summary(const CronFlags& f, coord::Coordinator& store, std::int64_t since_ms,
                   bool json) {
  auto runs = store.runs(f.job);
  if (!runs) return print_line("cluster-cron: no summary: " + runs.error().message);
  std::vector<coord::RunRecord> ours;
  std::int64_t first_tick = INT64_MAX, last_tick = 0;
  for (auto& run : runs.value()) {
    if (run.host != f.host_name || run.started_ms < since_ms) continue;
    first_tick = std::min(first_tick, run.tick);
    last_tick = std::max(last_tick, run.tick);
    ours.push_back(std::move(run));
  }
  if (ours.empty()) return print_line("cluster-cron: no runs recorded since the start");
  auto writes = store.write_log(last_tick_resource(f.job));
  if (!writes) return print_line("cluster-cron: no summary: " + writes.error().message);
  const auto tally = sched::tally_runs(ours, writes.value(), first_tick, last_tick);
  const auto ticks = static_cast<int>(tally.ticks.size());
  if (json) {
    auto summary = sched::totals_json(tally);
    summary["event"] = "cron-summary";
    return print_line(summary.dump());
  }
  print_line(fmt::format(
      "cluster-cron: {} ticks from {} to {}, {} runs: {} ticks written more than once (at "
      "most {} runs of one tick), {} never written, {} stale writes refused, {} let through",
      ticks, clock_time(first_tick), clock_time(last_tick), tally.runs, tally.duplicated_ticks,
      tally.max_runs_per_tick, tally.missed_ticks, tally.refused_stale, tally.stale_written));
}

}  // namespace

namespace clab::demos {

int run_cluster_cron(int argc, char** argv, const CronProgramCode& code) {
  CLI::App app{"A cluster whose workers run one cron job, once per tick or once per worker.",
               "cluster-cron"};
  app.footer(
      "Strategies: every-worker (the pitfall: N runs per tick), primary-only, instance-zero,\n"
      "  lock (a lease per tick, with a fencing token), queue (job@tick enqueued once).\n"
      "Each run is printed with its worker and recorded in the backend; on stop the primary\n"
      "  prints how the ticks since it started add up.\n"
      "Exit status: 0 stopped cleanly, 1 a worker had to be killed or the start failed,\n"
      "  2 bad flags, schedule or backend.");
  demos::ClusterFlags flags;
  flags.backend = "sqlite:cluster-cron.db";
  demos::add_cluster_flags(app, flags);
  CronFlags cron;
  add_cron_flags(app, cron);
  if (auto exit_status = cli::parse(app, argc, argv)) return *exit_status;
  if (cron.host_name.empty()) cron.host_name = host_name();
  if (flags.backend.empty()) {
    fmt::print(stderr,
               "cluster-cron: --backend: the runs need a store; expected sqlite:PATH "
               "or redis://HOST:PORT/DB\n");
    return cli::kExitUsage;
  }

  if (cluster::is_worker()) {
    // The scheduler's own connection, declared before it: it outlives the scheduler on
    // every way out of run_worker.
    auto store = coord::open_coordinator(flags.backend);
    if (!store) {
      fmt::print(stderr, "Worker {}: {}\n", ::getpid(), store.error().message);
      return 1;
    }
    std::unique_ptr<sched::Scheduler> scheduler;
    auto options = demos::worker_options(flags);
    options.configure = [&](http::WorkerApp& worker_app, lifecycle::ShutdownHooks& hooks) {
      const auto& id = worker_app.identity();
      coord::Coordinator& s = *store.value();
      scheduler = std::make_unique<sched::Scheduler>(
          job_spec(cron, code.strategy),
          sched::ProcessRole{false, id.id, id.instance, id.pid, cron.host_name}, s,
          make_job(cron, s, code), make_printer(flags.json));
      hooks.add("stop the scheduler", seconds(5), [&] { scheduler->stop(); });
    };
    return http::run_worker(options);
  }

  std::unique_ptr<sched::Scheduler> scheduler;

  const std::int64_t started_ms = coord::unix_ms();
  demos::PrimaryHooks hooks;
  hooks.started = [&](coord::Coordinator* store) {
    if (!flags.json)
      print_line(fmt::format("cluster-cron: job '{}' on '{}' ({}), strategy {}, backend {}",
                             cron.job, cron.schedule, cron.zone, cron.strategy, flags.backend));
    scheduler = std::make_unique<sched::Scheduler>(
        job_spec(cron, code.strategy), sched::ProcessRole{true, 0, -1, ::getpid(), cron.host_name},
        *store, make_job(cron, *store, code), make_printer(flags.json));
  };
  hooks.stopped = [&](coord::Coordinator* store) {
    scheduler.reset();
    print_summary(cron, *store, started_ms, flags.json);
  };
  return demos::run_primary("cluster-cron", flags, argc, argv, hooks);
}

}  // namespace clab::demos
