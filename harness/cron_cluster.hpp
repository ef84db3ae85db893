// What the scheduling checks share: a coordination store made for one check (a fresh
// SQLite file, or a private redis-server), cluster-cron started on it, and the tally of the
// runs it recorded over a window of ticks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "check.hpp"
#include "coord/coordinator.hpp"
#include "sched/run_tally.hpp"
#include "sched/strategy.hpp"
#include "testkit/cluster_under_test.hpp"
#include "testkit/redis_server.hpp"

namespace clab::harness {

using testkit::ClusterOptions;
using testkit::ClusterUnderTest;

enum class BackendKind { Sqlite, Redis };
std::string_view to_string(BackendKind kind);

// A store for one check: its spec for the programs, and the harness's own connection.
class BackendUnderTest {
 public:
  static Result<std::unique_ptr<BackendUnderTest>> start(BackendKind kind, const std::string& stem);
  ~BackendUnderTest();  // stops the server, or removes the SQLite files
  BackendUnderTest(const BackendUnderTest&) = delete;
  BackendUnderTest& operator=(const BackendUnderTest&) = delete;

  const std::string& spec() const { return spec_; }
  coord::Coordinator& store() { return *store_; }

 private:
  BackendUnderTest() = default;
  std::unique_ptr<testkit::RedisServer> redis_;  // Redis only; stopped last
  std::string sqlite_path_;                      // SQLite only
  std::string spec_;
  std::unique_ptr<coord::Coordinator> store_;
};

// Runs each variant on a thread of its own (they wait for wall-clock ticks, so in parallel
// they take as long as one) and returns their results in the given order.
std::vector<CheckResult> run_in_parallel(const std::vector<std::function<CheckResult()>>& variants);

struct CronClusterOptions {
  std::string backend;  // spec
  sched::Strategy strategy = sched::Strategy::EveryWorker;
  int workers = 2;
  std::string host_name = "harness";
  int job_ms = 100;
  std::vector<std::string> extra_args;
};

// Starts cluster-cron and waits until its workers listen; on failure records it in
// `result` and returns nullptr.
std::unique_ptr<ClusterUnderTest> start_cron_cluster(CheckResult& result,
                                                     const CheckContext& context,
                                                     const CronClusterOptions& options);

// The first whole second (Unix time) at least `lead` from now: the first tick a check
// counts, once every process has had `lead` to start scheduling.
std::int64_t first_tick_after(std::chrono::milliseconds lead);
// Returns once the wall clock has passed `tick` by `margin`. Ticks are wall-clock events:
// this waits for the event itself, not for a guess.
void wait_past_tick(std::int64_t tick, std::chrono::milliseconds margin);

// The runs of cluster-cron's job ("report") in [first, last] and its writes (the write log
// of "cron:report:last-tick"), tallied; nullopt (recorded in `result`) when the store
// cannot be read.
std::optional<sched::RunTally> tally_ticks(CheckResult& result, coord::Coordinator& store,
                                           std::int64_t first, std::int64_t last);

}  // namespace clab::harness
