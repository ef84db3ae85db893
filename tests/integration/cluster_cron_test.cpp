// cluster-cron as a learner sees it: its human output shows every-worker running each tick
// once per worker and lock running it once, and the summary on stop says the same.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "coord/coordinator.hpp"
#include "core/temp_directory.hpp"
#include "proc/child_process.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;

struct CronOutput {
  std::map<std::string, std::multiset<std::string>> workers_by_tick;  // "12:00:01" -> workers
  std::string summary;
};

// Runs cluster-cron with 3 workers until it printed runs of `ticks` different ticks, stops
// it with SIGTERM and parses what it printed.
CronOutput run_cluster_cron(const std::string& strategy, std::size_t ticks) {
  char pattern[] = "/tmp/clusterlab-cron-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  auto child = proc::ChildProcess::spawn(
      {.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/cluster-cron", "--workers", "3", "--port", "0",
                "--strategy", strategy, "--backend", "sqlite:" + dir + "/cron.db"}});
  EXPECT_TRUE(child.ok());
  if (!child) return {};
  const std::regex run(R"(^\d\d:\d\d:\d\d  report  tick (\d\d:\d\d:\d\d)  (worker \d+|primary))");
  std::set<std::string> seen;
  std::size_t cursor = 0;
  while (seen.size() < ticks) {
    auto line = (*child)->wait_for_line(run, &cursor, 10s);
    if (!line) break;
    seen.insert((*line)[1]);
  }
  (*child)->signal(SIGTERM);
  EXPECT_TRUE((*child)->wait(10s).has_value());
  EXPECT_TRUE((*child)->wait_for_output_end(10s));

  CronOutput out;
  for (const auto& line : (*child)->lines()) {
    std::smatch m;
    if (std::regex_search(line, m, run)) out.workers_by_tick[m[1]].insert(m[2]);
    if (line.starts_with("cluster-cron: ") && line.find(" ticks from ") != std::string::npos)
      out.summary = line;
  }
  std::filesystem::remove_all(dir);
  // The first and last ticks may be partial (workers starting, the stop).
  if (out.workers_by_tick.size() > 2) {
    out.workers_by_tick.erase(out.workers_by_tick.begin());
    out.workers_by_tick.erase(std::prev(out.workers_by_tick.end()));
  }
  return out;
}

TEST(ClusterCron, EveryWorkerVisiblyRunsEachTickOncePerWorker) {
  const auto out = run_cluster_cron("every-worker", 5);
  ASSERT_GE(out.workers_by_tick.size(), 2u);
  for (const auto& [tick, workers] : out.workers_by_tick) {
    EXPECT_EQ(workers.size(), 3u) << "tick " << tick;
    EXPECT_EQ(std::set<std::string>(workers.begin(), workers.end()).size(), 3u) << tick;
  }
  EXPECT_NE(out.summary.find("(at most 3 runs of one tick)"), std::string::npos) << out.summary;
}

TEST(ClusterCron, LockRunsEachTickOnce) {
  const auto out = run_cluster_cron("lock", 5);
  ASSERT_GE(out.workers_by_tick.size(), 2u);
  for (const auto& [tick, workers] : out.workers_by_tick)
    EXPECT_EQ(workers.size(), 1u) << "tick " << tick;
  EXPECT_NE(out.summary.find(": 0 ticks written more than once"), std::string::npos) << out.summary;
}

// Regression: on a store it could not write, cluster-cron started, skipped every tick with
// "attempt to write a readonly database" and exited 0. Now it refuses at start. The file is
// made read-only with its mode, or for root (whom modes do not stop) with a read-only bind
// mount in a mount namespace of its own.
TEST(ClusterCron, AReadOnlyStoreIsRefusedAtStart) {
  auto dir = TempDirectory::create("clusterlab-ro");
  ASSERT_TRUE(dir.ok());
  const std::string db = dir->file("ro.db");
  {
    auto store = coord::open_coordinator("sqlite:" + db);
    ASSERT_TRUE(store.ok()) << store.error().message;
  }
  std::filesystem::permissions(db, std::filesystem::perms::owner_read |
                                       std::filesystem::perms::group_read |
                                       std::filesystem::perms::others_read);
  const std::string cron = std::string(CLUSTERLAB_BIN_DIR) + "/cluster-cron";
  std::vector<std::string> argv = {cron, "--workers", "1",           "--port",
                                   "0",  "--backend", "sqlite:" + db};
  if (::geteuid() == 0) {
    argv.insert(argv.begin(), {"unshare", "-m", "sh", "-c",
                               "mount --bind -o ro \"$DIR\" \"$DIR\" && exec \"$0\" \"$@\""});
  }
  auto child = proc::ChildProcess::spawn(
      {.argv = argv, .env = {{"DIR", dir->path()}}, .merge_stderr = true});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(20s);
  ASSERT_TRUE(status.has_value()) << "cluster-cron started on a read-only store";
  ASSERT_TRUE((*child)->wait_for_output_end(5s));
  const auto lines = (*child)->lines();
  if (::geteuid() == 0 && status->code != 2 && !lines.empty() &&
      (lines.back().starts_with("unshare") || lines.back().starts_with("mount"))) {
    GTEST_SKIP() << "root, and no mount namespace to make the file read-only: " << lines.back();
  }
  EXPECT_EQ(status->code, 2);
  EXPECT_EQ(lines, std::vector<std::string>{"cluster-cron: --backend: sqlite:" + db +
                                            ": the file is read-only for this user; the store "
                                            "must be writable (runs and locks are written to it)"});
}

}  // namespace
}  // namespace clab
