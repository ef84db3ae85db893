// The Node-like cluster API end to end: online and listening events, messages both ways,
// Worker::kill and Worker::disconnect (neither respawned), disconnect and exit events.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "support/run_program.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::vector<nlohmann::json>> events_by_name(const testing::ProgramRun& run) {
  std::map<std::string, std::vector<nlohmann::json>> events;
  for (const auto& line : run.lines) {
    auto e = nlohmann::json::parse(line);
    events[e["event"]].push_back(e);
  }
  return events;
}

TEST(PrimaryApi, EventsMessagesKillAndDisconnect) {
  const auto run = testing::run_program({"cluster-api-fixture"}, 30s, /*merge_stderr=*/false);
  ASSERT_TRUE(run.status.has_value()) << "the fixture's primary did not stop";
  EXPECT_EQ(run.code(), 0);

  auto events = events_by_name(run);
  EXPECT_EQ(events["online"].size(), 2u);
  EXPECT_EQ(events["listening"].size(), 2u);
  ASSERT_EQ(events["message"].size(), 2u);
  for (const auto& m : events["message"]) {
    EXPECT_EQ(m["body"]["from"], m["id"]) << m.dump();
    EXPECT_EQ(m["body"]["echo"]["hello"], m["id"]) << "each worker echoes its own message";
  }
  EXPECT_EQ(events["disconnect"].size(), 2u);
  ASSERT_EQ(events["exit"].size(), 2u);
  int killed = 0, clean = 0;
  for (const auto& e : events["exit"]) {
    EXPECT_FALSE(e["respawned"].get<bool>()) << "a stop asked for is never respawned";
    if (e["signal"] == 9) ++killed;
    if (e["signal"] == 0 && e["code"] == 0) ++clean;
  }
  EXPECT_EQ(killed, 1);
  EXPECT_EQ(clean, 1);
}

// Regression: disconnect() set a flag without arming the kill timer, so a worker that hung
// after a disconnect was never SIGKILLed and the primary waited for ever.
TEST(PrimaryApi, AWorkerThatHangsAfterADisconnectIsKilledAtKillTimeout) {
  const auto run = testing::run_program({"cluster-api-fixture", "--hang-on-disconnect"}, 30s,
                                        /*merge_stderr=*/false);
  ASSERT_TRUE(run.status.has_value()) << "the hung worker was never killed";
  EXPECT_EQ(run.code(), 1) << "a worker had to be killed: the exit status says so";
  auto events = events_by_name(run);
  ASSERT_EQ(events["exit"].size(), 2u);
  int killed_by_primary = 0;
  for (const auto& e : events["exit"]) {
    EXPECT_EQ(e["signal"], 9) << e.dump();
    EXPECT_FALSE(e["respawned"].get<bool>());
    killed_by_primary += e["killed_by_primary"].get<bool>();
  }
  EXPECT_EQ(killed_by_primary, 1) << "the disconnected one, at kill_timeout";
}

}  // namespace
}  // namespace clab
