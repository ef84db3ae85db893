// native-cluster as a user runs it: for each listen policy, two workers answer keep-alive
// requests, a killed worker is replaced and SIGTERM leaves nothing behind.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>

#include "http_probe.hpp"
#include "proc/process_table.hpp"
#include "support/run_program.hpp"
#include "support/test_names.hpp"
#include "testkit/cluster_under_test.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using cluster::ListenPolicy;
using testing::run_program;
using testkit::ClusterUnderTest;

class NativeCluster : public ::testing::TestWithParam<ListenPolicy> {
 protected:
  void SetUp() override {
    auto started = ClusterUnderTest::start(
        {.bin_dir = CLUSTERLAB_BIN_DIR, .policy = GetParam(), .workers = 2});
    ASSERT_TRUE(started.ok()) << started.error().message;
    cluster_ = std::move(started.value());
  }

  std::unique_ptr<ClusterUnderTest> cluster_;
};

TEST_P(NativeCluster, BothWorkersAnswerKeepAliveRequests) {
  // 200 requests over keep-alive connections, 20 per connection. A connection stays on
  // the worker that accepted it, so open connections until both workers have some.
  std::set<pid_t> answered;
  int ok = 0;
  for (int c = 0; c < 10 || (answered.size() < 2 && c < 200); ++c) {
    httplib::Client client("127.0.0.1", cluster_->port());
    client.set_keep_alive(true);
    for (int i = 0; i < 20; ++i) {
      auto r = client.Get("/");
      ASSERT_TRUE(r) << httplib::to_string(r.error());
      ASSERT_EQ(r->status, 200);
      answered.insert(std::atoi(r->get_header_value("X-Worker-Pid").c_str()));
      ++ok;
    }
  }
  EXPECT_GE(ok, 200);
  const auto workers = cluster_->live_workers();
  EXPECT_EQ(answered, std::set<pid_t>(workers.begin(), workers.end()));
}

// How fast a replacement comes is measured by the respawn check; here only that it comes.
TEST_P(NativeCluster, AKilledWorkerIsReplacedAndServes) {
  const pid_t victim = cluster_->live_workers().front();
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  auto listening = cluster_->wait_event("listening", 5s);
  ASSERT_TRUE(listening.has_value());
  const pid_t replacement = (*listening)["worker"]["pid"].get<pid_t>();
  EXPECT_NE(replacement, victim);
  bool served = false;
  while (!served && std::chrono::steady_clock::now() - killed_at < 20s) {
    served = fetch(cluster_->port(), "/").pid == replacement;
  }
  EXPECT_TRUE(served) << "the replacement " << replacement << " did not answer within 20 s";
}

TEST_P(NativeCluster, SigtermStopsEveryProcessOfTheCluster) {
  const auto status = cluster_->stop();
  ASSERT_TRUE(status.has_value()) << "the primary did not exit";
  EXPECT_EQ(status->code, 0);
  EXPECT_TRUE(cluster_->leftovers().empty());
  for (pid_t pid : cluster_->all_worker_pids())
    EXPECT_FALSE(proc::process_info(pid)) << pid;
}

TEST_P(NativeCluster, WorkersStoppedWithTheClusterAreNotRespawned) {
  ASSERT_TRUE(cluster_->stop().has_value());
  for (int i = 0; i < 2; ++i) {
    auto exit = cluster_->wait_event("exit", 1s);
    ASSERT_TRUE(exit.has_value());
    EXPECT_EQ((*exit)["action"], "stop") << exit->dump();
    EXPECT_EQ((*exit)["code"], 0) << exit->dump();
  }
  EXPECT_EQ(cluster_->all_worker_pids().size(), 2u) << "a worker was forked during the stop";
}

INSTANTIATE_TEST_SUITE_P(Policies, NativeCluster,
                         ::testing::Values(ListenPolicy::RoundRobin, ListenPolicy::Shared,
                                           ListenPolicy::ReusePort),
                         testing::NameByToString());

// Whatever policy holds the port, a second cluster under any policy is refused: reuseport
// included, though SO_REUSEPORT would let the second one's listeners join the first's.
class NativeClusterPort : public ::testing::TestWithParam<ListenPolicy> {};

TEST_P(NativeClusterPort, ABusyPortIsOneClearErrorAndExitStatus1) {
  auto first =
      ClusterUnderTest::start({.bin_dir = CLUSTERLAB_BIN_DIR, .policy = GetParam(), .workers = 1});
  ASSERT_TRUE(first.ok()) << first.error().message;
  const std::string port = std::to_string((*first)->port());
  for (const char* policy : {"round-robin", "shared", "reuseport"}) {
    const auto second =
        run_program({"native-cluster", "--port", port, "--workers", "1", "--policy", policy}, 10s);
    EXPECT_EQ(second.code(), 1) << policy;
    EXPECT_EQ(second.lines, std::vector<std::string>{"native-cluster: bind 127.0.0.1:" + port +
                                                     ": Address already in use"})
        << "second cluster under " << policy;
  }
  EXPECT_EQ((*first)->all_worker_pids().size(), 1u) << "the first cluster was left alone";
}

INSTANTIATE_TEST_SUITE_P(Policies, NativeClusterPort,
                         ::testing::Values(ListenPolicy::RoundRobin, ListenPolicy::Shared,
                                           ListenPolicy::ReusePort),
                         testing::NameByToString());

// --host ::1: every policy serves on the IPv6 loopback, and loadgen reaches it by its literal.
TEST_P(NativeClusterPort, ServesOnTheIpv6Loopback) {
  auto cluster = ClusterUnderTest::start(
      {.bin_dir = CLUSTERLAB_BIN_DIR, .host = "::1", .policy = GetParam(), .workers = 2});
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  const std::string url = "http://[::1]:" + std::to_string((*cluster)->port()) + "/";
  const auto run = run_program({"loadgen", "-c", "4", "-a", "40", "-j", url}, 30s,
                               /*merge_stderr=*/false);
  ASSERT_EQ(run.code(), 0) << run.text();
  const auto report = nlohmann::json::parse(run.text());
  EXPECT_EQ(report["statusCodeStats"]["200"], 40);
  const auto status = (*cluster)->stop();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0);
}

}  // namespace
}  // namespace clab::harness
