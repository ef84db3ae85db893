// Watching a native-cluster as a user does: --metrics-port prints where /metrics is and
// serves an exposition promtool accepts; --dashboard-port serves the live page, which a real
// browser (headless Chromium) fills with the workers, their figures under load, and the
// timeline of a hung worker replaced. The screenshot is left in the build directory.
#include <gtest/gtest.h>

#include <regex>

#include "background_load.hpp"
#include "http_probe.hpp"
#include "support/headless_chromium.hpp"
#include "support/promtool.hpp"
#include "testkit/cluster_under_test.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using testkit::ClusterUnderTest;

TEST(Monitoring, NativeClusterSaysWhereMetricsAndTheDashboardAre) {
  auto child = proc::ChildProcess::spawn(
      {.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/native-cluster", "-w", "1", "-p", "0",
                "--metrics-port", "0", "--dashboard-port", "0"},
       .merge_stderr = true});
  ASSERT_TRUE(child.ok());
  std::size_t cursor = 0;
  const auto metrics = (*child)->wait_for_line(
      std::regex(R"(Metrics on http://127\.0\.0\.1:(\d+)/metrics)"), &cursor, 10s);
  ASSERT_TRUE(metrics) << "no 'Metrics on' line";
  const auto dashboard = (*child)->wait_for_line(
      std::regex(R"(Dashboard on http://127\.0\.0\.1:(\d+)/)"), &cursor, 10s);
  ASSERT_TRUE(dashboard) << "no 'Dashboard on' line";
  const Reply exposition = fetch(static_cast<std::uint16_t>(std::stoi((*metrics)[1])), "/metrics");
  EXPECT_EQ(exposition.status, 200);
  EXPECT_NE(exposition.body.find("clusterlab_worker_up{app=\"native-cluster\",instance=\"0\"} 1"),
            std::string::npos)
      << exposition.body;
  if (auto complaints = testing::promtool_complaints(exposition.body)) {
    EXPECT_EQ(*complaints, "");
  }
  const Reply page = fetch(static_cast<std::uint16_t>(std::stoi((*dashboard)[1])), "/");
  EXPECT_NE(page.body.find("<title>ClusterLab: native-cluster</title>"), std::string::npos);
  (*child)->signal(SIGTERM);
  EXPECT_TRUE((*child)->wait(10s));
}

TEST(Monitoring, APortInUseIsOneClearError) {
  auto holder =
      proc::ChildProcess::spawn({.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/native-cluster", "-w",
                                          "1", "-p", "0", "--metrics-port", "0", "--json"}});
  ASSERT_TRUE(holder.ok());
  std::size_t cursor = 0;
  const auto line =
      (*holder)->wait_for_line(std::regex(R"("event":"metrics".*"port":(\d+))"), &cursor, 10s);
  ASSERT_TRUE(line);
  auto run =
      proc::ChildProcess::spawn({.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/native-cluster", "-w",
                                          "1", "-p", "0", "--dashboard-port", (*line)[1]},
                                 .merge_stderr = true});
  ASSERT_TRUE(run.ok());
  const auto status = (*run)->wait(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 1);
  std::size_t c = 0;
  EXPECT_TRUE((*run)->wait_for_line(std::regex("native-cluster: --dashboard-port: .*" + (*line)[1]),
                                    &c, 5s));
  (*holder)->signal(SIGTERM);
  EXPECT_TRUE((*holder)->wait(10s));
}

TEST(Monitoring, TheDashboardShowsTheWorkersUnderLoadAndAHungOneReplaced) {
  if (!testing::chromium_installed()) GTEST_SKIP() << "chromium is not installed";
  auto started = ClusterUnderTest::start(
      {.bin_dir = CLUSTERLAB_BIN_DIR,
       .workers = 2,
       .extra_args = {"--dashboard-port", "0", "--fault-routes", "--heartbeat-timeout", "600"}});
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto& cluster = *started.value();
  ASSERT_NE(cluster.dashboard_port(), 0);
  const HungWorker hung = hang_a_worker(cluster.port());
  ASSERT_NE(hung.pid, 0) << hung.error;
  ASSERT_TRUE(cluster.wait_event("hung", 10s));
  ASSERT_TRUE(cluster.wait_event("listening", 10s));

  BackgroundLoad load(cluster.port(), 100, 10);
  const std::string url =
      "http://127.0.0.1:" + std::to_string(cluster.dashboard_port()) + "/?updates=6";
  const auto dom = testing::run_chromium("--dump-dom", url);
  ASSERT_TRUE(dom) << "chromium failed on " << url;
  EXPECT_NE(dom->find("id=\"updates\">6<"), std::string::npos) << "six updates arrived";
  for (pid_t pid : cluster.live_workers()) {
    EXPECT_NE(dom->find("data-pid=\"" + std::to_string(pid) + "\""), std::string::npos)
        << "worker " << pid << " has no row";
  }
  std::smatch rps;
  ASSERT_TRUE(std::regex_search(*dom, rps, std::regex(R"(id="total-rps">(\d+)<)")));
  EXPECT_GT(std::stol(rps[1]), 0) << "the load shows";
  EXPECT_NE(dom->find("data-kind=\"hung\" data-pid=\"" + std::to_string(hung.pid) + "\""),
            std::string::npos)
      << "the timeline names the hung worker";
  EXPECT_NE(dom->find("data-kind=\"respawn\""), std::string::npos);
  const std::string screenshot = std::string(CLUSTERLAB_BUILD_DIR) + "/dashboard.png";
  EXPECT_TRUE(testing::run_chromium("--screenshot=" + screenshot, url));
  EXPECT_EQ(::access(screenshot.c_str(), R_OK), 0) << screenshot;
}

}  // namespace
}  // namespace clab::harness
