// The coordination contract, run against both backends: SQLite on a fresh file, and a real
// redis-server started on a free loopback port for each test.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <thread>

#include "coord/coordinator.hpp"
#include "testkit/redis_server.hpp"

namespace clab::coord {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testkit::free_loopback_port;
using testkit::RedisServer;

// A fresh SQLite file in a directory of its own; "unresponsive" = another connection holds
// the write lock (what a stuck process does to everyone else).
class SqliteBackend {
 public:
  SqliteBackend() {
    char pattern[] = "/tmp/clusterlab-coord-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~SqliteBackend() {
    if (blocker_ != nullptr) sqlite3_close(blocker_);
    std::filesystem::remove_all(dir_);
  }
  std::string spec() const { return "sqlite:" + dir_ + "/coord.db"; }
  void make_unresponsive() {
    sqlite3_open((dir_ + "/coord.db").c_str(), &blocker_);
    ASSERT_EQ(sqlite3_exec(blocker_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  void make_responsive() {
    sqlite3_exec(blocker_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(blocker_);
    blocker_ = nullptr;
  }

 private:
  std::string dir_;
  sqlite3* blocker_ = nullptr;
};

// A private redis-server; "unresponsive" = frozen with SIGSTOP.
class RedisBackend {
 public:
  RedisBackend() {
    auto started = RedisServer::start();
    if (!started)
      ADD_FAILURE() << started.error().message;
    else
      server_ = std::move(started).value();
  }
  std::string spec() const { return server_ ? server_->url() : "redis://127.0.0.1:1/0"; }
  void make_unresponsive() { server_->pause(); }
  void make_responsive() { server_->resume(); }

 private:
  std::unique_ptr<RedisServer> server_;
};

template <class Backend>
class CoordinatorConformance : public ::testing::Test {
 protected:
  std::unique_ptr<Coordinator> open(Millis timeout = 2000ms) {
    auto opened = open_coordinator(backend_.spec(), timeout);
    if (!opened) {
      ADD_FAILURE() << opened.error().message;
      return nullptr;
    }
    return std::move(opened).value();
  }
  // Retries `attempt` until it returns a value or the deadline passes: waiting for a TTL
  // to run out without guessing how long the machine takes.
  template <class F>
  auto eventually(F attempt, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    auto result = attempt();
    while (!result && Clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
      result = attempt();
    }
    return result;
  }

  Backend backend_;
};

using Backends = ::testing::Types<SqliteBackend, RedisBackend>;
class BackendNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteBackend> ? "sqlite" : "redis";
  }
};
TYPED_TEST_SUITE(CoordinatorConformance, Backends, BackendNames);

TYPED_TEST(CoordinatorConformance, ALeaseHasOneOwnerUntilItIsReleased) {
  auto a = this->open(), b = this->open();
  ASSERT_TRUE(a && b);
  auto lease = a->try_acquire("report@1000", 10s);
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  ASSERT_TRUE(lease.value().has_value());
  EXPECT_EQ(lease.value()->owner, a->owner());

  auto second = b->try_acquire("report@1000", 10s);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second.value().has_value()) << "two owners of one lock";

  Lease forged = *lease.value();
  forged.owner = b->owner();
  EXPECT_FALSE(b->release(forged).value()) << "released by someone who does not hold it";
  EXPECT_TRUE(a->release(*lease.value()).value());
  EXPECT_FALSE(a->release(*lease.value()).value()) << "released twice";

  auto after = b->try_acquire("report@1000", 10s);
  ASSERT_TRUE(after.ok() && after.value().has_value());
  EXPECT_GT(after.value()->fence, lease.value()->fence);
}

TYPED_TEST(CoordinatorConformance, AnExpiredLeaseGoesToTheNextOwnerWithAHigherFence) {
  auto a = this->open(), b = this->open();
  ASSERT_TRUE(a && b);
  const auto first = a->try_acquire("job@1", 100ms).value();
  ASSERT_TRUE(first.has_value());
  const auto taken = this->eventually([&] { return b->try_acquire("job@1", 10s).value(); });
  ASSERT_TRUE(taken.has_value()) << "an expired lease was never taken over";
  EXPECT_GT(taken->fence, first->fence);
  EXPECT_FALSE(a->renew(*first, 10s).value()) << "the old holder renewed a lease it lost";
  EXPECT_FALSE(a->release(*first).value()) << "the old holder released the new holder's lease";
  EXPECT_FALSE(a->try_acquire("job@1", 10s).value().has_value());
}

TYPED_TEST(CoordinatorConformance, RenewKeepsALeasePastItsFirstTtl) {
  auto a = this->open(), b = this->open();
  ASSERT_TRUE(a && b);
  const auto lease = a->try_acquire("renewed", 300ms).value();
  ASSERT_TRUE(lease.has_value());
  ASSERT_TRUE(a->renew(*lease, 10s).value());
  std::this_thread::sleep_for(500ms);  // the passing of time is what is tested here
  EXPECT_FALSE(b->try_acquire("renewed", 10s).value().has_value());
}

TYPED_TEST(CoordinatorConformance, FencingTokensGrowWithEveryGrantOfAnyLockOrClaim) {
  auto a = this->open(), b = this->open();
  ASSERT_TRUE(a && b);
  std::int64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    auto& who = i % 2 == 0 ? a : b;
    const auto lease = who->try_acquire("lock-" + std::to_string(i), 10s).value();
    ASSERT_TRUE(lease.has_value());
    EXPECT_GT(lease->fence, last);
    last = lease->fence;
  }
  ASSERT_TRUE(a->enqueue_unique("q", "job", "{}").value());
  const auto job = b->claim("q", 10s).value();
  ASSERT_TRUE(job.has_value());
  EXPECT_GT(job->fence, last);
}

TYPED_TEST(CoordinatorConformance, AGuardedWriteRefusesAStaleFence) {
  auto a = this->open();
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->read("last-run").value().has_value());
  EXPECT_TRUE(a->write_if_fence_current("last-run", 5, "tick 5").value());
  EXPECT_FALSE(a->write_if_fence_current("last-run", 3, "tick 3").value());
  EXPECT_EQ(a->read("last-run").value()->value, "tick 5");
  EXPECT_TRUE(a->write_if_fence_current("last-run", 5, "tick 5 again").value());
  EXPECT_TRUE(a->write_if_fence_current("last-run", 9, "tick 9").value());
  const auto stored = a->read("last-run").value();
  EXPECT_EQ(stored->fence, 9);
  EXPECT_EQ(stored->value, "tick 9");
  const auto log = a->write_log("last-run").value();
  ASSERT_EQ(log.size(), 3u) << "the refused write is not in the log";
  EXPECT_EQ(log[0].value, "tick 5");
  EXPECT_EQ(log[1].value, "tick 5 again");
  EXPECT_EQ(log[2].fence, 9);
  EXPECT_TRUE(a->write_log("never-written").value().empty());
}

TYPED_TEST(CoordinatorConformance, AHolderThatPausedPastItsTtlCannotOverwriteTheNewerRun) {
  auto paused = this->open(), next = this->open();
  ASSERT_TRUE(paused && next);
  const auto old_lease = paused->try_acquire("nightly", 100ms).value();
  ASSERT_TRUE(old_lease.has_value());
  // The holder "pauses"; its lease runs out and the next run takes over and writes.
  const auto new_lease =
      this->eventually([&] { return next->try_acquire("nightly", 10s).value(); });
  ASSERT_TRUE(new_lease.has_value());
  EXPECT_TRUE(next->write_if_fence_current("report", new_lease->fence, "new").value());
  // The paused holder wakes up and writes late: refused.
  EXPECT_FALSE(paused->write_if_fence_current("report", old_lease->fence, "stale").value());
  EXPECT_EQ(next->read("report").value()->value, "new");
}

TYPED_TEST(CoordinatorConformance, AnUnfencedWriteLetsTheStaleHolderWin) {
  auto a = this->open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->write_if_fence_current("report", 7, "new").value());
  ASSERT_TRUE(a->write_unfenced("report", 3, "stale").ok());
  EXPECT_EQ(a->read("report").value()->value, "stale");
  const auto log = a->write_log("report").value();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].fence, 3);  // the writer's fence, logged though not checked
  EXPECT_EQ(log[1].value, "stale");
}

TYPED_TEST(CoordinatorConformance, AQueueAcceptsAJobIdOnceEvenAfterItIsDone) {
  auto a = this->open(), b = this->open();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->enqueue_unique("cron", "report@1000", "first").value());
  EXPECT_FALSE(b->enqueue_unique("cron", "report@1000", "second").value());
  const auto job = b->claim("cron", 10s).value();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->payload, "first");
  EXPECT_EQ(job->attempts, 1);
  EXPECT_TRUE(b->complete(*job).value());
  EXPECT_FALSE(a->enqueue_unique("cron", "report@1000", "third").value());
  EXPECT_FALSE(a->claim("cron", 10s).value().has_value());
  EXPECT_TRUE(a->enqueue_unique("other-queue", "report@1000", "x").value());
}

TYPED_TEST(CoordinatorConformance, AClaimedJobGoesToOneConsumerInOrder) {
  auto a = this->open(), b = this->open();
  ASSERT_TRUE(a && b);
  for (const char* id : {"j1", "j2"})
    ASSERT_TRUE(a->enqueue_unique("q", id, id).value());
  const auto first = a->claim("q", 10s).value();
  const auto second = b->claim("q", 10s).value();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, "j1");
  EXPECT_EQ(second->id, "j2");
  EXPECT_FALSE(b->claim("q", 10s).value().has_value());
  Job forged = *first;
  forged.claim_token = second->claim_token;
  EXPECT_FALSE(a->complete(forged).value()) << "completed with another claim's token";
  EXPECT_TRUE(a->complete(*first).value());
  EXPECT_FALSE(a->complete(*first).value()) << "completed twice";
}

TYPED_TEST(CoordinatorConformance, AJobWhoseConsumerDiedIsHandedOutAgainAfterTheVisibilityTimeout) {
  auto dead = this->open(), alive = this->open();
  ASSERT_TRUE(dead && alive);
  ASSERT_TRUE(dead->enqueue_unique("q", "report@1", "{}").value());
  const auto lost = dead->claim("q", 100ms).value();
  ASSERT_TRUE(lost.has_value());
  const auto again = this->eventually([&] { return alive->claim("q", 10s).value(); });
  ASSERT_TRUE(again.has_value()) << "the job was never handed out again";
  EXPECT_EQ(again->id, "report@1");
  EXPECT_EQ(again->attempts, 2);
  EXPECT_GT(again->fence, lost->fence);
  EXPECT_FALSE(dead->complete(*lost).value()) << "the timed-out claim completed the job";
  EXPECT_TRUE(alive->complete(*again).value());
}

TYPED_TEST(CoordinatorConformance, CountersAreExactUnderConcurrentIncrements) {
  constexpr int kThreads = 4, kEach = 100;
  std::vector<std::unique_ptr<Coordinator>> clients;
  for (int i = 0; i < kThreads; ++i)
    clients.push_back(this->open());
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&, c = client.get()] {
      for (int i = 0; i < kEach; ++i)
        if (!c->incr("hits")) ++failed;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(clients[0]->incr("hits").value(), kThreads * kEach + 1);
}

TYPED_TEST(CoordinatorConformance, ConcurrentClientsGetOneLeaseAndEachJobOnce) {
  constexpr int kThreads = 4, kJobs = 40;
  std::vector<std::unique_ptr<Coordinator>> clients;
  for (int i = 0; i < kThreads; ++i)
    clients.push_back(this->open());
  for (int j = 0; j < kJobs; ++j)
    ASSERT_TRUE(clients[0]->enqueue_unique("q", "job" + std::to_string(j), "{}").value());

  std::atomic<int> leases{0};
  std::mutex mutex;
  std::multiset<std::string> claimed;
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&, c = client.get()] {
      if (auto lease = c->try_acquire("tick@42", 10s); lease && lease.value()) ++leases;
      while (auto job = c->claim("q", 10s)) {
        if (!job.value()) break;
        std::lock_guard lock(mutex);
        claimed.insert(job.value()->id);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(leases.load(), 1);
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(),
            static_cast<std::size_t>(kJobs))
      << "a job was claimed twice";
}

TYPED_TEST(CoordinatorConformance, RunRecordsReadBackInOrder) {
  auto a = this->open();
  ASSERT_TRUE(a);
  for (int tick = 1; tick <= 3; ++tick) {
    RunRecord run{.job = "report",
                  .tick = tick,
                  .strategy = "lock",
                  .worker = tick,
                  .pid = 100 + tick,
                  .fence = tick * 10,
                  .outcome = "written"};
    ASSERT_TRUE(a->record_run(run).ok());
  }
  const auto runs = a->runs("report").value();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[2].tick, 3);
  EXPECT_EQ(runs[2].pid, 103);
  EXPECT_EQ(runs[2].fence, 30);
  EXPECT_EQ(runs[0].outcome, "written");
  EXPECT_TRUE(a->runs("other").value().empty());
}

TYPED_TEST(CoordinatorConformance, ABackendThatDoesNotAnswerGivesAnErrorNotAHang) {
  auto a = this->open(300ms);
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->incr("before").ok());
  this->backend_.make_unresponsive();
  const auto started = Clock::now();
  auto lease = a->try_acquire("job@1", 10s);
  const auto waited = Clock::now() - started;
  this->backend_.make_responsive();
  ASSERT_FALSE(lease.ok()) << "a call on a frozen backend succeeded";
  EXPECT_NE(lease.error().message.find(a->describe()), std::string::npos) << lease.error().message;
  EXPECT_LT(waited, 10s) << "the call hung instead of timing out";
  EXPECT_TRUE(a->incr("after").ok()) << "no recovery once the backend answers again";
}

TEST(OpenCoordinator, NamesTheBadSpecAndTheFormsExpected) {
  for (const char* spec :
       {"postgres://x", "redis://localhost", "redis://h:99999/0", "redis://h:6379/x", "sqlite:"}) {
    auto opened = open_coordinator(spec);
    ASSERT_FALSE(opened.ok()) << spec;
    EXPECT_NE(opened.error().message.find(std::string("'") + spec + "'"), std::string::npos)
        << opened.error().message;
    EXPECT_NE(opened.error().message.find("sqlite:PATH or redis://HOST:PORT[/DB]"),
              std::string::npos);
  }
}

TEST(OpenCoordinator, AnUnreachableBackendIsAClearError) {
  auto port = free_loopback_port();
  ASSERT_TRUE(port.ok());
  auto redis = open_coordinator("redis://127.0.0.1:" + std::to_string(port.value()) + "/0", 500ms);
  ASSERT_FALSE(redis.ok());
  EXPECT_NE(redis.error().message.find("cannot connect"), std::string::npos)
      << redis.error().message;
  auto sqlite = open_coordinator("sqlite:/nonexistent-dir/coord.db");
  ASSERT_FALSE(sqlite.ok());
  EXPECT_NE(sqlite.error().message.find("/nonexistent-dir/coord.db"), std::string::npos)
      << sqlite.error().message;
}

}  // namespace
}  // namespace clab::coord
