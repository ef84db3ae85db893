// Every harness check passes on every listen policy, and `harness run --json` says so in
// a form a program can read.
#include <gtest/gtest.h>

#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>

#include "check.hpp"
#include "proc/child_process.hpp"
#include "proc/process_table.hpp"
#include "support/run_program.hpp"
#include "support/test_names.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

class HarnessCheck : public ::testing::TestWithParam<std::string> {};

TEST_P(HarnessCheck, PassesOnEveryVariant) {
  CheckContext context{.bin_dir = CLUSTERLAB_BIN_DIR};
  for (auto& check : all_checks()) {
    if (check->name() != GetParam()) continue;
    const auto results = check->run(context);
    EXPECT_FALSE(results.empty());
    for (const auto& r : results) {
      EXPECT_FALSE(r.failed()) << r.check << " (" << r.variant << "): " << r.summary << "\n"
                               << (r.failures.empty() ? "" : r.failures.front());
      EXPECT_FALSE(r.figures.empty());
    }
    return;
  }
  FAIL() << "no check named " << GetParam();
}

// Every check the registry has, so that a new check cannot be left out of the tests.
std::vector<std::string> check_names() {
  std::vector<std::string> names;
  for (const auto& check : all_checks())
    names.push_back(check->name());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Checks, HarnessCheck, ::testing::ValuesIn(check_names()),
                         [](const auto& info) { return testing::test_name(info.param); });

TEST(HarnessProgram, RunJsonReportsEveryResultWithFigures) {
  const auto run = testing::run_program(
      {"harness", "run", "shared-state", "--json", "--policy", "round-robin"}, 120s,
      /*merge_stderr=*/false);
  ASSERT_TRUE(run.status.has_value());
  EXPECT_EQ(run.code(), 0);
  const auto report = nlohmann::json::parse(run.text());
  EXPECT_TRUE(report["passed"].get<bool>());
  ASSERT_EQ(report["results"].size(), 3u);  // the policy asked for, and the two fixes
  const auto& r = report["results"][0];
  EXPECT_EQ(r["check"], "shared-state");
  EXPECT_EQ(r["variant"], "round-robin");
  EXPECT_EQ(r["figures"]["requests_sent"], 200);
  EXPECT_EQ(r["figures"]["sum_of_counters"], 200);
  EXPECT_EQ(report["results"][1]["variant"], "shared-count/sqlite");
  EXPECT_EQ(report["results"][2]["variant"], "shared-count/redis");
  EXPECT_EQ(report["results"][2]["figures"]["highest_value_seen"], 200);
}

TEST(HarnessProgram, ListNamesEveryCheck) {
  const auto run = testing::run_program({"harness", "list"}, 30s);
  EXPECT_EQ(run.code(), 0);
  for (const auto& check : all_checks()) {
    EXPECT_NE(run.text().find(check->name()), std::string::npos);
  }
}

// Ctrl-C in the middle of a check: the clusters the check started (each in a process group
// of its own, which the terminal's SIGINT does not reach) are killed, not left to PID 1.
TEST(HarnessProgram, AnInterruptKillsEveryProcessTheChecksStarted) {
  auto harness = proc::ChildProcess::spawn(
      {.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/harness", "run", "load-distribution"},
       .merge_stderr = true});
  ASSERT_TRUE(harness.ok());
  std::set<pid_t> primaries, started;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (started.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    // A cluster's primary is the harness's child (and leads its process group), its
    // workers the primary's.
    primaries.clear();
    started.clear();
    for (const auto& primary : proc::children_of((*harness)->pid())) {
      primaries.insert(primary.pid);
      started.insert(primary.pid);
      for (const auto& worker : proc::children_of(primary.pid))
        started.insert(worker.pid);
    }
  }
  ASSERT_GE(started.size(), 3u) << "no cluster with its workers seen";
  (*harness)->signal(SIGINT);
  const auto status = (*harness)->wait(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 130);
  ASSERT_TRUE((*harness)->wait_for_output_end(10s));
  const auto lines = (*harness)->lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("harness: SIGINT: killed the "), std::string::npos) << lines.back();
  // SIGKILL is delivered, not yet done, when the harness exits: give the kernel its moment.
  for (pid_t group : primaries) {
    EXPECT_TRUE(proc::wait_until_group_stopped(group, 5s).empty())
        << "processes of the cluster " << group << " outlived the harness";
  }
}

}  // namespace
}  // namespace clab::harness
