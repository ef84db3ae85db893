// pm running real Node.js programs, unmodified, with Node's own IPC channel: the apps in
// tests/node-apps, as CommonJS and as an ES module, under a real daemon in its own PM_HOME.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/file_text.hpp"
#include "http_probe.hpp"
#include "proc/program_path.hpp"
#include "support/bin_dir.hpp"
#include "testkit/pm_under_test.hpp"
#include "testkit/wait_for_text.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::kBin;
using testkit::PmUnderTest;

const std::string kNodeApps = std::string(CLUSTERLAB_SOURCE_DIR) + "/tests/node-apps";

// A log's text; empty while it does not exist.
std::string log_text(const std::string& path) {
  auto text = read_text_file(path);
  return text ? text.value() : std::string();
}

class PmNodeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const char* path = std::getenv("PATH");
    if (!proc::find_program("node", path ? path : "")) GTEST_SKIP() << "node is not installed";
    auto pm = PmUnderTest::create(kBin);
    ASSERT_TRUE(pm.ok()) << pm.error().message;
    pm_ = std::move(pm).value();
  }
  // A fork-mode app of the entry point under test, with `extra` fields.
  std::string fork_app(const json& extra) const {
    json app = {{"name", "web"},          {"script", kNodeApps + "/" + GetParam()},
                {"exec_mode", "fork"},    {"instances", 2},
                {"wait_ready", true},     {"listen_timeout", 10000},
                {"env", {{"PORT", "0"}}}, {"kill_timeout", 5000}};
    app.update(extra);
    return json{{"apps", json::array({app})}}.dump(2);
  }
  PmUnderTest::Run start(const json& extra = json::object()) {
    pm_->write_file("ecosystem.json", fork_app(extra));
    return pm_->pm({"start", pm_->path("ecosystem.json")});
  }
  std::string daemon_log() const { return log_text(pm_->home() + "/pm.log"); }
  // What the app told pm with process.send({port}), by pid, from pm's log.
  std::map<pid_t, std::uint16_t> ports_said() const {
    std::map<pid_t, std::uint16_t> ports;
    const std::string log = daemon_log();
    const std::regex said(R"(app 'web' pm_id \d+ pid (\d+) sent \{"port":(\d+)\})");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), said); it != std::sregex_iterator();
         ++it) {
      ports[std::stoi((*it)[1])] = static_cast<std::uint16_t>(std::stoi((*it)[2]));
    }
    return ports;
  }
  std::vector<json> processes() {
    auto list = pm_->processes("web");
    EXPECT_TRUE(list.ok());
    return list ? list.value() : std::vector<json>{};
  }

  std::unique_ptr<PmUnderTest> pm_;
};

TEST_P(PmNodeTest, ForkModeAppsSayReadyOverNodesChannelAndAnswerFromTheirOwnPids) {
  const auto run = start();
  ASSERT_EQ(run.code, 0) << run.text << daemon_log();
  const auto list = processes();
  ASSERT_EQ(list.size(), 2u);
  const auto ports = ports_said();
  for (const auto& p : list) {
    const pid_t pid = p.value("pid", 0);
    EXPECT_EQ(p["pm2_env"].value("status", ""), "online");
    ASSERT_EQ(ports.count(pid), 1u)
        << "process.send({port}) of pid " << pid << " not in pm's log:\n"
        << daemon_log();
    const auto reply = harness::fetch(ports.at(pid), "/");
    ASSERT_EQ(reply.status, 200) << reply.error;
    const json body = json::parse(reply.body);
    EXPECT_EQ(body["entry"], GetParam().ends_with(".mjs") ? "module" : "commonjs");
    EXPECT_EQ(body["pid"], pid);
    EXPECT_EQ(body["isWorker"], false) << "fork mode is not a cluster worker";
    // PM2's variables for each process.
    const int pm_id = p.value("pm_id", -1);
    EXPECT_EQ(body["pm_id"], std::to_string(pm_id));
    EXPECT_EQ(body["NODE_APP_INSTANCE"], std::to_string(pm_id));
    EXPECT_EQ(body["name"], "web");
  }
  EXPECT_NE(daemon_log().find("sent \"ready\""), std::string::npos);
}

TEST_P(PmNodeTest, AnAppThatNeverSaysReadyIsAFailedStart) {
  const auto run = start(
      {{"listen_timeout", 1000}, {"instances", 1}, {"env", {{"PORT", "0"}, {"NEVER_READY", "1"}}}});
  EXPECT_EQ(run.code, 1) << run.text;
  EXPECT_NE(run.text.find("app 'web' pm_id 0: not ready within listen_timeout (1000 ms)"),
            std::string::npos)
      << run.text;
  EXPECT_NE(daemon_log().find("not ready within listen_timeout"), std::string::npos);
}

TEST_P(PmNodeTest, AStopIsSigintOrPm2sShutdownMessage) {
  // What the one instance printed (its log is named by its pm_id, new after a delete).
  auto printed = [&] {
    const auto list = processes();
    EXPECT_EQ(list.size(), 1u);
    const int pm_id = list.empty() ? 0 : list[0].value("pm_id", 0);
    return log_text(pm_->home() + "/logs/web-out-" + std::to_string(pm_id) + ".log");
  };
  ASSERT_EQ(start({{"instances", 1}}).code, 0);
  ASSERT_EQ(pm_->pm({"stop", "web"}).code, 0);
  const std::string out = printed();
  EXPECT_NE(out.find("SIGINT: closing the server\nclosed"), std::string::npos) << out;
  ASSERT_EQ(pm_->pm({"delete", "web"}).code, 0);

  ASSERT_EQ(start({{"instances", 1}, {"shutdown_with_message", true}}).code, 0);
  ASSERT_EQ(pm_->pm({"stop", "web"}).code, 0);
  const std::string again = printed();
  EXPECT_NE(again.find("shutdown message: closing the server\nclosed"), std::string::npos) << again;
  const auto list = processes();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["pm2_env"].value("status", ""), "stopped");
  EXPECT_EQ(list[0]["pm2_env"].value("unstable_restarts", -1), 0);
}

TEST_P(PmNodeTest, SendDeliversAMessageToProcessOnMessage) {
  ASSERT_EQ(start({{"instances", 1}}).code, 0);
  const auto sent = pm_->pm({"send", "0", R"({"topic":"greet","data":{"n":7}})"});
  ASSERT_EQ(sent.code, 0) << sent.text;
  // The app answers with process.send({echo}); the daemon logs what it hears.
  const std::string echoed = R"(sent {"echo":{"data":{"n":7},"topic":"greet"}})";
  EXPECT_TRUE(testkit::wait_for_text(pm_->home() + "/pm.log", echoed, 10s)) << daemon_log();

  const auto bad = pm_->pm({"send", "0", "{not json"});
  EXPECT_EQ(bad.code, 2) << bad.text;
  EXPECT_NE(bad.text.find("expected a JSON value"), std::string::npos) << bad.text;
}

INSTANTIATE_TEST_SUITE_P(EntryPoints, PmNodeTest, ::testing::Values("hello.js", "hello.mjs"),
                         [](const auto& info) {
                           return info.param.ends_with(".mjs") ? std::string("EsModule")
                                                               : std::string("CommonJs");
                         });

}  // namespace
}  // namespace clab
