#include "sched/scheduler.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>

namespace clab::sched {
namespace {

using namespace std::chrono_literals;
using Kind = SchedulerEvent::Kind;

TEST(Strategy, ParsesEveryNameAndNamesTheChoicesOnAnError) {
  for (const Strategy s : kAllStrategies)
    EXPECT_EQ(parse_strategy(to_string(s)).value(), s);
  auto bad = parse_strategy("leader");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "strategy 'leader': expected every-worker, primary-only, instance-zero, lock, queue, "
            "lock-released or queue-id-now");
}

TEST(Strategy, SaysWhichProcessesFireTicks) {
  const ProcessRole primary{.primary = true};
  const ProcessRole zero{.worker = 3, .instance = 0};
  const ProcessRole one{.worker = 2, .instance = 1};
  EXPECT_FALSE(fires_here(Strategy::EveryWorker, primary));
  EXPECT_TRUE(fires_here(Strategy::EveryWorker, one));
  EXPECT_TRUE(fires_here(Strategy::PrimaryOnly, primary));
  EXPECT_FALSE(fires_here(Strategy::PrimaryOnly, zero));
  EXPECT_TRUE(fires_here(Strategy::InstanceZero, zero));
  EXPECT_FALSE(fires_here(Strategy::InstanceZero, one));
  EXPECT_TRUE(fires_here(Strategy::Lock, one));
  EXPECT_TRUE(fires_here(Strategy::Queue, one));
  EXPECT_TRUE(fires_here(Strategy::LockReleased, one));
  EXPECT_FALSE(fires_here(Strategy::QueueIdNow, primary));
}

TEST(Strategy, OnlyEveryWorkerAndTheSeedsTwoFixesDuplicateTicks) {
  for (const Strategy s : kAllStrategies) {
    const bool expected =
        s == Strategy::EveryWorker || s == Strategy::LockReleased || s == Strategy::QueueIdNow;
    EXPECT_EQ(duplicates_ticks(s), expected) << to_string(s);
  }
}

// Several schedulers in one test process, each with its own connection to one SQLite file:
// the same contention as workers of a cluster, without the cluster.
class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() {
    char pattern[] = "/tmp/clusterlab-sched-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~SchedulerTest() override {
    schedulers_.clear();
    stores_.clear();
    std::filesystem::remove_all(dir_);
  }

  std::string spec() const { return "sqlite:" + dir_ + "/coord.db"; }

  void start(Strategy strategy, int workers, coord::Millis timeout = 2000ms,
             const StrategyCode& code = {}) {
    for (int w = 1; w <= workers; ++w) {
      auto store = coord::open_coordinator(spec(), timeout);
      ASSERT_TRUE(store.ok()) << store.error().message;
      stores_.push_back(std::move(store).value());
      auto& s = *stores_.back();
      JobSpec job{.name = "job",
                  .schedule = CronExpression::parse("* * * * * *").value(),
                  .strategy = strategy,
                  .code = code};
      schedulers_.push_back(std::make_unique<Scheduler>(
          job, ProcessRole{.worker = w, .instance = w - 1, .pid = 1000 + w}, s,
          [&s](const RunContext& run) {
            auto ok = s.write_if_fence_current("last", run.fence, std::to_string(run.tick));
            return ok && ok.value() ? "written" : "refused-stale";
          },
          [this](const SchedulerEvent& e) {
            std::lock_guard lock(mutex_);
            events_.push_back(e);
            changed_.notify_all();
          }));
    }
  }

  // Waits until `count` events of `kind` arrived, or 10 s passed.
  bool wait_for(Kind kind, int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] {
      return std::count_if(events_.begin(), events_.end(),
                           [&](const auto& e) { return e.kind == kind; }) >= count;
    });
  }

  std::vector<SchedulerEvent> events() {
    schedulers_.clear();  // stops them: no event arrives after this
    std::lock_guard lock(mutex_);
    return events_;
  }

  std::string dir_;
  std::vector<std::unique_ptr<coord::Coordinator>> stores_;
  std::vector<std::unique_ptr<Scheduler>> schedulers_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SchedulerEvent> events_;
};

std::map<std::int64_t, int> runs_per_tick(const std::vector<SchedulerEvent>& events) {
  std::map<std::int64_t, int> runs;
  for (const auto& e : events)
    if (e.kind == Kind::Finished) ++runs[e.run.tick];
  return runs;
}

TEST_F(SchedulerTest, EveryWorkerRunsEachTickOncePerWorker) {
  start(Strategy::EveryWorker, 3);
  ASSERT_TRUE(wait_for(Kind::Finished, 9));
  auto runs = runs_per_tick(events());
  runs.erase(runs.rbegin()->first);  // the last tick may have been cut short by the stop
  ASSERT_GE(runs.size(), 2u);
  for (const auto& [tick, n] : runs)
    EXPECT_EQ(n, 3) << "tick " << tick;
}

TEST_F(SchedulerTest, LockAndQueueRunEachTickOnceWithGrowingFences) {
  for (const Strategy strategy : {Strategy::Lock, Strategy::Queue}) {
    start(strategy, 3);
    ASSERT_TRUE(wait_for(Kind::Finished, 3));
    const auto all = events();
    for (const auto& [tick, n] : runs_per_tick(all))
      EXPECT_EQ(n, 1) << to_string(strategy) << " tick " << tick;
    std::int64_t last_fence = 0;
    for (const auto& e : all) {
      if (e.kind != Kind::Finished) continue;
      EXPECT_GT(e.run.fence, last_fence);
      EXPECT_EQ(e.run.outcome, "written");
      last_fence = e.run.fence;
    }
    EXPECT_GE(std::count_if(all.begin(), all.end(),
                            [](const auto& e) { return e.kind == Kind::NotMine; }),
              4)
        << "the other two schedulers never saw the tick taken";
    events_.clear();
    stores_.clear();
  }
}

TEST_F(SchedulerTest, AProgramsOwnLockCodeDecidesWhoRunsATickAndWithWhichFence) {
  // A lock that lets everyone run, fenced by the tick: what the exercise's learner might
  // write; the scheduler runs what the code says, twice per tick here.
  std::atomic<int> calls{0};
  start(
      Strategy::Lock, 2, 2000ms,
      {.run_under_lock = [&calls](coord::Coordinator&, const std::string& job, std::int64_t tick,
                                  coord::Millis ttl, const std::function<void(std::int64_t)>& run) {
        ++calls;
        EXPECT_EQ(job, "job");
        EXPECT_EQ(ttl, 2000ms);
        run(tick);
      }});
  ASSERT_TRUE(wait_for(Kind::Finished, 4));
  const auto all = events();
  EXPECT_GE(calls.load(), 4);
  for (const auto& e : all) {
    if (e.kind == Kind::Finished) {
      EXPECT_EQ(e.run.fence, e.run.tick);
    }
  }
  auto runs = runs_per_tick(all);
  runs.erase(runs.rbegin()->first);  // the last tick may have been cut short by the stop
  for (const auto& [tick, n] : runs)
    EXPECT_EQ(n, 2) << "tick " << tick;
}

TEST_F(SchedulerTest, AProgramsOwnQueueIdAndConsumerAreUsed) {
  // One id for every tick: the queue accepts the first tick's job and refuses the rest.
  std::atomic<int> consumed{0};
  start(Strategy::Queue, 2, 2000ms,
        {.queue_job_id = [](const std::string& job, std::int64_t) { return job + "@always"; },
         .consume =
             [&consumed](coord::Coordinator& store, const std::string& queue,
                         coord::Millis visibility,
                         const std::function<void(const coord::Job&)>& run) {
               auto job = store.claim(queue, visibility);
               if (!job || !job.value()) return;
               ++consumed;
               run(*job.value());
               (void)store.complete(*job.value());
             }});
  ASSERT_TRUE(wait_for(Kind::NotMine, 4)) << "two ticks of two workers after the first run";
  const auto all = events();
  EXPECT_EQ(consumed.load(), 1);
  EXPECT_EQ(
      std::count_if(all.begin(), all.end(), [](const auto& e) { return e.kind == Kind::Finished; }),
      1);
}

TEST_F(SchedulerTest, ATickIsSkippedAndSaidSoWhenTheStoreDoesNotAnswer) {
  // Create the schema, then hold the write lock as a stuck process would.
  ASSERT_TRUE(coord::open_coordinator(spec()).ok());
  sqlite3* blocker = nullptr;
  sqlite3_open((dir_ + "/coord.db").c_str(), &blocker);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  start(Strategy::Lock, 1, 200ms);
  const bool skipped = wait_for(Kind::Skipped, 1);
  const auto all = events();
  sqlite3_close(blocker);
  ASSERT_TRUE(skipped);
  EXPECT_EQ(
      std::count_if(all.begin(), all.end(), [](const auto& e) { return e.kind == Kind::Started; }),
      0)
      << "ran unguarded";
  const auto& skip =
      *std::find_if(all.begin(), all.end(), [](const auto& e) { return e.kind == Kind::Skipped; });
  EXPECT_NE(skip.reason.find("no lease, not run: sqlite:" + dir_), std::string::npos)
      << skip.reason;
  EXPECT_NE(skip.reason.find("locked"), std::string::npos) << skip.reason;
}

}  // namespace
}  // namespace clab::sched
