// Supervision as a user meets it: a worker that never becomes ready ends errored after
// max_restarts and a cluster that can keep no worker stops with a non-zero status; a
// cluster short of descriptors keeps serving and keeps its workers.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/temp_directory.hpp"
#include "http_probe.hpp"
#include "lifecycle_probe.hpp"
#include "load/load_engine.hpp"
#include "support/test_names.hpp"
#include "testkit/cluster_under_test.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using cluster::ListenPolicy;
using testkit::ClusterUnderTest;

// Regression: a worker killed at a listen_timeout (1200 ms) longer than min_uptime (1000 ms)
// counted as a stable run, so a never-ready app was killed and restarted for ever.
TEST(Supervision, ANeverReadyWorkerEndsErroredAndTheClusterStopsNonZero) {
  auto cluster =
      ClusterUnderTest::start({.bin_dir = CLUSTERLAB_BIN_DIR,
                               .program = "graceful-shutdown",
                               .workers = 1,
                               .extra_args = {"--wait-ready", "--never-ready", "--listen-timeout",
                                              "1200", "--max-restarts", "3"}},
                              15s, /*wait_for_workers=*/false);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  const auto errored = (*cluster)->wait_event("errored", 30s);
  ASSERT_TRUE(errored.has_value()) << "the slot was never marked errored";
  const auto status = (*cluster)->process().wait(10s);
  ASSERT_TRUE(status.has_value()) << "the primary did not stop by itself";
  EXPECT_EQ(status->code, 1);
  const auto timeouts = events_so_far(**cluster, "listen-timeout");
  EXPECT_EQ(timeouts.size(), 3u) << "three failed starts, then errored";
  for (const auto& e : events_so_far(**cluster, "exit")) {
    if (e["action"] == "errored") {
      EXPECT_NE(e["reason"].get<std::string>().find("failed start"), std::string::npos) << e;
    }
  }
}

class ShortOfDescriptors : public ::testing::TestWithParam<ListenPolicy> {};

// Regression: under `ulimit -n 64` and 100 connections, a round-robin worker failed on a
// truncated descriptor, the other lost its primary to ETOOMANYREFS, the restarts failed on
// "socketpair: Too many open files" and were never retried: the primary sat with 0 workers.
TEST_P(ShortOfDescriptors, KeepsServingAndKeepsItsWorkers) {
  auto cluster = ClusterUnderTest::start(
      {.bin_dir = CLUSTERLAB_BIN_DIR, .policy = GetParam(), .workers = 2, .descriptor_limit = 64});
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  const auto workers_before = (*cluster)->live_workers();
  load::LoadOptions options;
  options.target =
      load::parse_url("http://127.0.0.1:" + std::to_string((*cluster)->port()) + "/").value();
  options.connections = 100;
  options.duration_s = 2;
  options.timeout_s = 5;
  auto result = load::run_load(options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_GT(result.value().stats.responses, 0u);
  EXPECT_EQ(events_so_far(**cluster, "exit").size(), 0u) << "no worker died";
  EXPECT_EQ((*cluster)->live_workers(), workers_before);
  EXPECT_EQ(fetch((*cluster)->port(), "/").status, 200) << "still serving after the load";
  const auto stopped = (*cluster)->stop();
  ASSERT_TRUE(stopped.has_value());
  EXPECT_EQ(stopped->code, 0);
}

INSTANTIATE_TEST_SUITE_P(Policies, ShortOfDescriptors,
                         ::testing::Values(ListenPolicy::RoundRobin, ListenPolicy::Shared,
                                           ListenPolicy::ReusePort),
                         testing::NameByToString());

// Regression: the access log's hook failing at stop (its directory gone) was silent, and the
// cluster exited 0 with the log lost. Now the worker names the hook and the reason, and the
// cluster's exit status is 1.
TEST(Supervision, AShutdownHookThatFailsMakesTheStopNonZero) {
  auto dir = TempDirectory::create("clusterlab-hook");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  auto cluster = ClusterUnderTest::start({.bin_dir = CLUSTERLAB_BIN_DIR,
                                          .program = "graceful-shutdown",
                                          .workers = 1,
                                          .extra_args = {"--access-log", dir->file("access.log")}});
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  EXPECT_EQ(fetch((*cluster)->port(), "/").status, 200);
  dir->remove();
  const auto status = (*cluster)->stop();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 1);
  ASSERT_TRUE((*cluster)->process().wait_for_output_end(5s));
  const auto lines = (*cluster)->process().lines();
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("shutdown hook 'flush-access-log' threw: cannot append 1 lines to") !=
               std::string::npos &&
           line.find("No such file or directory") != std::string::npos;
  })) << "no line names the failed hook and why";
}

}  // namespace
}  // namespace clab::harness
