// Scheduler: fires one job on its cron schedule in this process, under a cluster strategy,
// and records every run in the coordination store.
//
// A thread of its own waits for each tick (wall clock) and then, by strategy: runs the job
// (every-worker, primary-only, instance-zero); takes the lease "job@tick" and runs it only
// if granted, refusing ticks it reaches later than the lease's TTL (lock); or enqueues
// "job@tick" (accepted once cluster-wide) and runs whatever it can claim (queue). A run
// gets the fencing token of its lease or claim, so its writes can be refused once stale.
// When the store fails, the tick is skipped and said so: never run unguarded. Ticks missed
// while the process was paused are not caught up (cron's rule); the current one is fired.
// Invariant: events are reported from the scheduler thread only, in order.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "coord/coordinator.hpp"
#include "sched/cron_expression.hpp"
#include "sched/strategy.hpp"

namespace clab::sched {

// The code a strategy runs, for a program that brings its own (ClusterLab's exercises do:
// the learner writes it). Each one left empty runs the built-in code described above.
struct StrategyCode {
  // queue: the id under which a tick's job is enqueued (built in: "job@tick").
  std::function<std::string(const std::string& job, std::int64_t tick)> queue_job_id;
  // lock: decides whether this process runs `tick`, and calls run(fence) if so.
  std::function<void(coord::Coordinator& store, const std::string& job, std::int64_t tick,
                     coord::Millis ttl, const std::function<void(std::int64_t fence)>& run)>
      run_under_lock;
  // queue: claims what waits in `queue` and runs each job with run(job).
  std::function<void(coord::Coordinator& store, const std::string& queue, coord::Millis visibility,
                     const std::function<void(const coord::Job&)>& run)>
      consume;
};

struct JobSpec {
  std::string name;
  CronExpression schedule;
  Zone zone = Zone::Utc;
  Strategy strategy = Strategy::EveryWorker;
  coord::Millis lock_ttl{2000};    // lock: lease length, and the latest a tick may start
  coord::Millis visibility{2000};  // queue: an unfinished claim is handed out again after
  // Each worker fires instance x skew after the tick, as timers do on hosts whose clocks
  // differ or in event loops busy with other work (0: all at once).
  coord::Millis skew{0};
  StrategyCode code;
};

// One run of the job: its tick (Unix seconds) and the fence it runs under (0: none).
struct RunContext {
  std::int64_t tick = 0;
  std::int64_t fence = 0;
  int attempt = 1;  // queue: > 1 when a consumer before this one did not complete it
};

// The job's work; returns the outcome recorded with the run ("written", "refused-stale").
using JobBody = std::function<std::string(const RunContext&)>;

struct SchedulerEvent {
  enum class Kind {
    Started,   // a run began (run.fence set)
    Finished,  // a run ended and was recorded (run.outcome set)
    NotMine,   // another process has this tick (lease held, job already claimed)
    Skipped,   // this tick was not run here because of a fault (reason says which)
  };
  Kind kind;
  coord::RunRecord run;
  std::string reason;
};

class Scheduler {
 public:
  using EventHandler = std::function<void(const SchedulerEvent&)>;

  // Starts firing at once if the strategy fires in this role; otherwise does nothing.
  Scheduler(JobSpec job, ProcessRole role, coord::Coordinator& store, JobBody body,
            EventHandler on_event);
  ~Scheduler();  // stops firing and waits for a run in progress
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  bool fires_here() const { return thread_.joinable(); }
  void stop();

 private:
  void loop(std::stop_token stop);
  void fire(std::int64_t tick);
  void fire_under_lock(std::int64_t tick);
  void fire_under_released_lock(std::int64_t tick);
  // The lease `name` for the run of `tick`; nullopt, reported, when the store failed or
  // another process holds it.
  std::optional<coord::Lease> lease_for(const std::string& name, std::int64_t tick);
  void fire_through_queue(std::int64_t tick, const std::string& id);
  void run(const RunContext& context);
  void report(SchedulerEvent::Kind kind, coord::RunRecord run, std::string reason = {});
  coord::RunRecord record_for(std::int64_t tick) const;

  JobSpec job_;
  ProcessRole role_;
  coord::Coordinator& store_;
  JobBody body_;
  EventHandler on_event_;
  std::jthread thread_;  // last: it uses everything above
};

}  // namespace clab::sched
