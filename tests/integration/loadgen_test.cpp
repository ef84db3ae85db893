// loadgen against a real native-cluster: its counts agree with the server's, its report has
// autocannon's tables and the per-worker table, and a server dying mid-run is counted, not
// fatal.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "http_probe.hpp"
#include "support/run_program.hpp"
#include "testkit/cluster_under_test.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using testing::run_program;
using testkit::ClusterUnderTest;

std::string url(const ClusterUnderTest& cluster, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(cluster.port()) + path;
}

// The sum of every worker's /count, read with one fresh request per worker (round-robin
// hands consecutive connections to consecutive workers); each read adds one, taken off.
std::uint64_t server_count(const ClusterUnderTest& cluster, int workers) {
  std::uint64_t total = 0;
  for (int i = 0; i < workers; ++i) {
    const auto reply = fetch(cluster.port(), "/count");
    total += nlohmann::json::parse(reply.body)["count"].get<std::uint64_t>() - 1;
  }
  return total;
}

// What `loadgen -j` printed, as JSON.
nlohmann::json json_report(const proc::ChildProcess& loadgen) {
  std::string text;
  for (const auto& line : loadgen.lines())
    text += line;
  return nlohmann::json::parse(text);
}

class Loadgen : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ClusterUnderTest::start({.bin_dir = CLUSTERLAB_BIN_DIR, .workers = 2});
    ASSERT_TRUE(started.ok()) << started.error().message;
    cluster_ = std::move(started.value());
  }
  std::unique_ptr<ClusterUnderTest> cluster_;
};

TEST_F(Loadgen, JsonCountsMatchTheServersOwnCount) {
  const auto run =
      run_program({"loadgen", "-c", "20", "-d", "2", "--json", url(*cluster_, "/count")}, 60s,
                  /*merge_stderr=*/false);
  ASSERT_EQ(run.code(), 0) << run.text();
  const auto report = nlohmann::json::parse(run.text());
  const std::uint64_t responses = report["responses"];
  EXPECT_GT(responses, 100u) << "a load ran (its speed is measured in bench/, not here)";
  EXPECT_EQ(report["sent"].get<std::uint64_t>(),
            responses + report["requestErrors"].get<std::uint64_t>() +
                report["timeouts"].get<std::uint64_t>() +
                report["unansweredAtEnd"].get<std::uint64_t>());
  EXPECT_EQ(report["errors"], 0);
  EXPECT_EQ(responses, server_count(*cluster_, 2));
  EXPECT_EQ(report["statusCodeStats"]["200"], responses);
  ASSERT_EQ(report["workers"].size(), 2u);
  EXPECT_GT(report["fairness"].get<double>(), 0.95) << "round-robin with 20 connections";
}

TEST_F(Loadgen, AmountSendsExactlyThatManyRequests) {
  const auto run =
      run_program({"loadgen", "-c", "7", "-p", "3", "-a", "1000", "-j", url(*cluster_, "/count")},
                  60s, /*merge_stderr=*/false);
  ASSERT_EQ(run.code(), 0) << run.text();
  const auto report = nlohmann::json::parse(run.text());
  EXPECT_EQ(report["responses"], 1000);
  EXPECT_EQ(report["sent"], 1000);
  EXPECT_EQ(server_count(*cluster_, 2), 1000u);
}

// Regression: responses to requests sent during the warm-up were counted while the elapsed
// time left the warm-up out, so `-W 2 -d 2` on /sleep?ms=50 with 10 connections reported
// 351 req/s, above the 200 that 10 connections can make on a 50 ms route.
TEST_F(Loadgen, WarmUpEntersNoFigureAndThroughputStaysUnderTheCeiling) {
  const auto run = run_program(
      {"loadgen", "-c", "10", "-W", "1.5", "-d", "1.5", "-j", url(*cluster_, "/sleep?ms=50")}, 60s,
      /*merge_stderr=*/false);
  ASSERT_EQ(run.code(), 0) << run.text();
  const auto report = nlohmann::json::parse(run.text());
  const double elapsed = report["duration"].get<double>();
  const auto responses = report["responses"].get<std::uint64_t>();
  const double ceiling = 10 * 1000.0 / 50;  // connections x 1000 / ms
  EXPECT_LE(static_cast<double>(responses) / elapsed, ceiling) << run.text();
  EXPECT_LE(responses, static_cast<std::uint64_t>(ceiling * elapsed) + 10) << run.text();
  EXPECT_GT(responses, 0u);
  std::uint64_t by_worker = 0;
  for (const auto& w : report["workers"])
    by_worker += w["requests"].get<std::uint64_t>();
  EXPECT_EQ(by_worker, responses) << "the per-worker table counts the same responses";
  EXPECT_EQ(report["sent"].get<std::uint64_t>(),
            responses + report["requestErrors"].get<std::uint64_t>() +
                report["timeouts"].get<std::uint64_t>() +
                report["unansweredAtEnd"].get<std::uint64_t>());
}

TEST_F(Loadgen, PrintsAutocannonsTablesAndThePerWorkerTable) {
  const auto run = run_program(
      {"loadgen", "-c", "10", "-d", "1", "-l", "--renderStatusCodes", url(*cluster_, "/")}, 60s);
  ASSERT_EQ(run.code(), 0) << run.text();
  for (const char* part : {"Running 1s test @ http://127.0.0.1:", "│ Latency │", "│ Req/Sec   │",
                           "│ Bytes/Sec │", "# of samples: 1", "│ Worker │ Requests │ Share │",
                           "Jain's fairness index:", "requests in", "99.999% │", "│ Code │"}) {
    EXPECT_NE(run.text().find(part), std::string::npos) << part << "\n" << run.text();
  }
}

TEST_F(Loadgen, AServerThatDiesMidRunIsCountedNotFatal) {
  auto loadgen =
      proc::ChildProcess::spawn({.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/loadgen", "-c", "10",
                                          "-d", "3", "-j", url(*cluster_, "/count")}});
  ASSERT_TRUE(loadgen.ok());
  // Wait until the load is running (the server has counted some of it), then kill it all.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (server_count(*cluster_, 2) < 200)
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
  ::kill(-cluster_->primary_pid(), SIGKILL);
  const auto status = (*loadgen)->wait(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0);
  ASSERT_TRUE((*loadgen)->wait_for_output_end(5s));
  const auto report = json_report(**loadgen);
  EXPECT_GT(report["responses"].get<std::uint64_t>(), 0u);
  EXPECT_GT(report["errors"].get<std::uint64_t>(), 0u) << "the refused reconnects are errors";
  EXPECT_GT(report["connectErrors"].get<std::uint64_t>(), 0u);
}

TEST_F(Loadgen, TimeoutsAreCountedAndBailoutStopsTheRun) {
  const auto run = run_program({"loadgen", "-c", "4", "-d", "30", "-t", "0.2", "-B", "8", "-j",
                                url(*cluster_, "/sleep?ms=2000")},
                               60s, /*merge_stderr=*/false);
  EXPECT_EQ(run.code(), 1) << "bailing out exits 1\n" << run.text();
  const auto report = nlohmann::json::parse(run.text());
  EXPECT_TRUE(report["bailedOut"].get<bool>());
  EXPECT_GE(report["timeouts"].get<std::uint64_t>(), 8u);
  EXPECT_LT(report["duration"].get<double>(), 10.0) << "the run stopped long before -d 30";
  EXPECT_EQ(report["responses"], 0);
}

// Regression: under `ulimit -n 64`, `-c 20000` counted 485,132 "Too many open files" errors
// in a second and exited 0. Now a -c that cannot fit is refused before the run...
TEST_F(Loadgen, RefusesMoreConnectionsThanItsDescriptorLimit) {
  auto child =
      proc::ChildProcess::spawn({.argv = {"/bin/sh", "-c", "ulimit -n 64 && exec \"$0\" \"$@\"",
                                          std::string(CLUSTERLAB_BIN_DIR) + "/loadgen", "-c",
                                          "20000", "-d", "1", url(*cluster_, "/")},
                                 .merge_stderr = true});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(20s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 2);
  ASSERT_TRUE((*child)->wait_for_output_end(5s));
  EXPECT_EQ((*child)->lines(),
            std::vector<std::string>{
                "loadgen: -c 20000: needs about 20017 file descriptors, but the limit is 64 even "
                "after raising the soft limit to the hard one (raise the hard limit: ulimit -Hn, "
                "or LimitNOFILE=)"});
}

// ... and one that fits under the hard limit runs, its soft limit raised as nginx's
// worker_rlimit_nofile does.
TEST_F(Loadgen, RaisesItsSoftDescriptorLimitToTheHardOne) {
  auto child = proc::ChildProcess::spawn(
      {.argv = {"/bin/sh", "-c",
                "[ \"$(ulimit -Hn)\" = unlimited ] || [ \"$(ulimit -Hn)\" -ge 400 ] || exit 77; "
                "ulimit -Sn 64 && exec \"$0\" \"$@\"",
                std::string(CLUSTERLAB_BIN_DIR) + "/loadgen", "-c", "300", "-a", "600", "-j",
                url(*cluster_, "/")}});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(60s);
  ASSERT_TRUE(status.has_value());
  if (status->code == 77) GTEST_SKIP() << "the hard descriptor limit is below 400 here";
  EXPECT_EQ(status->code, 0);
  ASSERT_TRUE((*child)->wait_for_output_end(5s));
  const auto report = json_report(**child);
  EXPECT_EQ(report["statusCodeStats"]["200"], 600);
  EXPECT_EQ(report["errors"], 0);
}

}  // namespace
}  // namespace clab::harness
