#include "sched/scheduler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace clab::sched {
namespace {

using namespace std::chrono;

std::string job_id(const std::string& job, std::int64_t tick) {
  return fmt::format("{}@{}", job, tick);
}

}  // namespace

Scheduler::Scheduler(JobSpec job, ProcessRole role, coord::Coordinator& store, JobBody body,
                     EventHandler on_event)
    : job_(std::move(job)),
      role_(std::move(role)),
      store_(store),
      body_(std::move(body)),
      on_event_(std::move(on_event)) {
  if (sched::fires_here(job_.strategy, role_))
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void Scheduler::loop(std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  auto now = [] { return floor<seconds>(system_clock::now()); };
  sys_seconds last = now();
  while (!stop.stop_requested()) {
    // After a pause (SIGSTOP, a slow run) fire the current tick, not every one missed.
    const auto next = job_.schedule.next_after(std::max(last, now() - seconds(1)), job_.zone);
    if (!next) return;
    const auto fire_at = time_point<system_clock>(*next) + job_.skew * std::max(0, role_.instance);
    std::unique_lock lock(mutex);
    if (wake.wait_until(lock, stop, fire_at, [] { return false; })) return;
    if (stop.stop_requested()) return;
    fire(next->time_since_epoch().count());
    last = *next;
  }
}

void Scheduler::fire(std::int64_t tick) {
  switch (job_.strategy) {
    case Strategy::Lock:
      return fire_under_lock(tick);
    case Strategy::Queue:
      return fire_through_queue(tick, job_.code.queue_job_id
                                          ? job_.code.queue_job_id(job_.name, tick)
                                          : job_id(job_.name, tick));
    case Strategy::LockReleased:
      return fire_under_released_lock(tick);
    case Strategy::QueueIdNow:
      return fire_through_queue(tick, job_id(job_.name, coord::unix_ms()));
    case Strategy::EveryWorker:
    case Strategy::PrimaryOnly:
    case Strategy::InstanceZero:
      return run({tick, 0, 1});
  }
}

void Scheduler::fire_under_lock(std::int64_t tick) {
  if (job_.code.run_under_lock) {
    bool ran = false;
    job_.code.run_under_lock(store_, job_.name, tick, job_.lock_ttl, [&](std::int64_t fence) {
      ran = true;
      run({tick, fence, 1});
    });
    if (!ran) report(SchedulerEvent::Kind::NotMine, record_for(tick), "not run here");
    return;
  }
  const std::int64_t late_ms = coord::unix_ms() - tick * 1000;
  if (late_ms > job_.lock_ttl.count())
    return report(SchedulerEvent::Kind::Skipped, record_for(tick),
                  fmt::format("{} ms late, past the {} ms lease: another process may have run it",
                              late_ms, job_.lock_ttl.count()));
  // The lease is not released after the run: it expires, so a process that reaches this
  // tick late (a slow start, another host's clock) cannot take it again and run it twice.
  if (const auto lease = lease_for(job_id(job_.name, tick), tick)) run({tick, lease->fence, 1});
}

void Scheduler::fire_under_released_lock(std::int64_t tick) {
  // The seed's code: `const lock = await redlock.acquire(['hourly-task'], ttl); try { run }
  // finally { await lock.release() }`. The lock guards the run, not the tick.
  const auto lease = lease_for(job_.name, tick);
  if (!lease) return;
  run({tick, lease->fence, 1});
  (void)store_.release(*lease);
}

std::optional<coord::Lease> Scheduler::lease_for(const std::string& name, std::int64_t tick) {
  auto lease = store_.try_acquire(name, job_.lock_ttl);
  if (!lease) {
    report(SchedulerEvent::Kind::Skipped, record_for(tick),
           "no lease, not run: " + lease.error().message);
    return std::nullopt;
  }
  if (!lease.value())
    report(SchedulerEvent::Kind::NotMine, record_for(tick), "lease held by another");
  return lease.value();
}

void Scheduler::fire_through_queue(std::int64_t tick, const std::string& id) {
  const std::string queue = "cron:" + job_.name;
  auto enqueued = store_.enqueue_unique(queue, id, std::to_string(tick));
  if (!enqueued)
    return report(SchedulerEvent::Kind::Skipped, record_for(tick),
                  "not enqueued: " + enqueued.error().message);
  // Consume what there is: this tick if nobody claimed it yet, and any job whose consumer
  // died or stalled past the visibility timeout.
  bool ran = false;
  if (job_.code.consume) {
    job_.code.consume(store_, queue, job_.visibility, [&](const coord::Job& job) {
      ran = true;
      run({std::stoll(job.payload), job.fence, job.attempts});
    });
    if (!ran) report(SchedulerEvent::Kind::NotMine, record_for(tick), "claimed by another");
    return;
  }
  while (true) {
    auto job = store_.claim(queue, job_.visibility);
    if (!job) {
      report(SchedulerEvent::Kind::Skipped, record_for(tick),
             "could not claim: " + job.error().message);
      return;
    }
    if (!job.value()) break;
    const std::int64_t claimed_tick = std::stoll(job.value()->payload);
    run({claimed_tick, job.value()->fence, job.value()->attempts});
    ran = true;
    if (auto completed = store_.complete(*job.value()); !completed)
      report(SchedulerEvent::Kind::Skipped, record_for(claimed_tick),
             "ran, but could not mark it complete: " + completed.error().message);
  }
  if (!ran) report(SchedulerEvent::Kind::NotMine, record_for(tick), "claimed by another");
}

void Scheduler::run(const RunContext& context) {
  coord::RunRecord record = record_for(context.tick);
  record.fence = context.fence;
  record.started_ms = coord::unix_ms();
  report(SchedulerEvent::Kind::Started, record);
  record.outcome = body_(context);
  record.ended_ms = coord::unix_ms();
  if (context.attempt > 1) record.outcome += fmt::format(" (attempt {})", context.attempt);
  if (auto recorded = store_.record_run(record); !recorded)
    return report(SchedulerEvent::Kind::Skipped, record,
                  "ran, but the run was not recorded: " + recorded.error().message);
  report(SchedulerEvent::Kind::Finished, record);
}

void Scheduler::report(SchedulerEvent::Kind kind, coord::RunRecord run, std::string reason) {
  if (on_event_) on_event_({kind, std::move(run), std::move(reason)});
}

coord::RunRecord Scheduler::record_for(std::int64_t tick) const {
  return {.job = job_.name,
          .tick = tick,
          .strategy = std::string(to_string(job_.strategy)),
          .host = role_.host,
          .worker = role_.worker,
          .instance = role_.instance,
          .pid = role_.pid};
}

}  // namespace clab::sched
