// Heartbeats as a user of native-cluster meets them, in both serving models: a worker hung
// by /hang (--fault-routes) first turns suspect, and round-robin sends it nothing more; then
// it is killed for its silence and replaced, and the cluster serves on. Without
// --fault-routes there is no /hang.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "http_probe.hpp"
#include "testkit/cluster_under_test.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using testkit::ClusterUnderTest;

constexpr int kHeartbeatTimeoutMs = 1500;

class Heartbeat : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<ClusterUnderTest> start(std::vector<std::string> args) {
    args.insert(args.end(), {"--model", GetParam()});
    auto started = ClusterUnderTest::start(
        {.bin_dir = CLUSTERLAB_BIN_DIR, .workers = 2, .extra_args = std::move(args)});
    EXPECT_TRUE(started.ok()) << started.error().message;
    return started.ok() ? std::move(started.value()) : nullptr;
  }
};

auto about(pid_t pid) {
  return [pid](const nlohmann::json& e) { return e["worker"]["pid"] == pid; };
}

TEST_P(Heartbeat, AHungWorkerIsSuspectThenKilledAndReplaced) {
  auto cluster =
      start({"--heartbeat-timeout", std::to_string(kHeartbeatTimeoutMs), "--fault-routes"});
  ASSERT_TRUE(cluster);
  const HungWorker hung = hang_a_worker(cluster->port());
  ASSERT_NE(hung.pid, 0) << hung.error;

  const auto suspect = cluster->wait_event("suspect", 10s, about(hung.pid));
  ASSERT_TRUE(suspect) << "the hung worker " << hung.pid << " was never suspect";
  // Suspect and not yet killed: every new connection goes to the other worker.
  for (int i = 0; i < 10; ++i) {
    const Reply reply = fetch(cluster->port(), "/");
    ASSERT_EQ(reply.status, 200) << reply.error;
    EXPECT_NE(reply.pid, hung.pid) << "round-robin handed a suspect worker a connection";
  }

  const auto killed = cluster->wait_event("hung", 10s, about(hung.pid));
  ASSERT_TRUE(killed) << "the hung worker " << hung.pid << " was not killed";
  EXPECT_GE((*killed)["silent_ms"].get<int>(), kHeartbeatTimeoutMs);
  const auto exit = cluster->wait_event("exit", 10s, about(hung.pid));
  ASSERT_TRUE(exit);
  EXPECT_EQ((*exit)["action"], "restart");
  const auto replacement = cluster->wait_event("listening", 10s);
  ASSERT_TRUE(replacement) << "no worker replaced the hung one";
  const pid_t fresh = (*replacement)["worker"]["pid"].get<pid_t>();
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i)
    served = fetch(cluster->port(), "/").pid == fresh;
  EXPECT_TRUE(served) << "the replacement " << fresh << " never answered";
}

TEST_P(Heartbeat, ABusyWorkerThatStillBeatsIsNeverKilled) {
  // /sleep holds a request without holding the loop: the heartbeats go on.
  auto cluster = start({"--heartbeat-timeout", "400"});
  ASSERT_TRUE(cluster);
  const Reply reply = fetch(cluster->port(), "/sleep?ms=1500");
  EXPECT_EQ(reply.status, 200) << reply.error;
  // Either event, among every line printed so far (the name is a regular expression).
  EXPECT_FALSE(cluster->wait_event("(suspect|hung)", 100ms));
}

TEST_P(Heartbeat, WithoutFaultRoutesThereIsNoHang) {
  auto cluster = start({});
  ASSERT_TRUE(cluster);
  EXPECT_EQ(fetch(cluster->port(), "/hang").status, 404);
}

INSTANTIATE_TEST_SUITE_P(Models, Heartbeat, ::testing::Values("event", "threads"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace clab::harness
