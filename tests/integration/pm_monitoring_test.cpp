// Watching pm's apps as a user does: `pm monit` on a real terminal (tmux) shows every
// process with its figures, follows the keys (select, restart, reload, quit); a hung
// instance (heartbeat_timeout in the ecosystem file) is replaced; `pm metrics` and
// `pm dashboard` give the daemon's Prometheus exposition and page.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "http_probe.hpp"
#include "net/tcp_listener.hpp"
#include "proc/process_table.hpp"
#include "support/bin_dir.hpp"
#include "support/promtool.hpp"
#include "support/tmux_session.hpp"
#include "testkit/pm_under_test.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testkit::PmUnderTest;

using testing::kBin;

class PmMonitoring : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = PmUnderTest::create(kBin);
    ASSERT_TRUE(created.ok()) << created.error().message;
    pm_ = std::move(created.value());
    json app = {{"name", "api"},
                {"script", kBin + "/clusterlab-app"},
                {"args", "--fault-routes"},
                {"instances", 2},
                {"exec_mode", "cluster"},
                {"heartbeat_timeout", 1000},
                {"env", {{"PORT", "0"}}}};
    pm_->write_file("ecosystem.json", json{{"apps", json::array({app})}}.dump(2));
    const auto started = pm_->pm({"start", pm_->path("ecosystem.json")});
    ASSERT_EQ(started.code, 0) << started.text;
    ASSERT_TRUE(pm_->wait_online("api", 2, 20s));
  }

  std::vector<pid_t> pids() {
    std::vector<pid_t> out;
    const auto processes = pm_->processes("api");
    EXPECT_TRUE(processes.ok());
    for (const auto& p : processes ? processes.value() : std::vector<json>{})
      out.push_back(p.value("pid", 0));
    return out;
  }

  std::unique_ptr<PmUnderTest> pm_;
};

TEST_F(PmMonitoring, MonitShowsEveryProcessAndFollowsItsKeys) {
  const auto before = pids();
  auto session = testing::TmuxSession::start(
      {"env", "PM_HOME=" + pm_->home(), "LANG=C.UTF-8", kBin + "/pm", "monit"});
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->wait_for_text("pm monit: 2 processes", 20s)) << session->screen();
  for (pid_t pid : before)
    EXPECT_TRUE(session->wait_for_text(std::to_string(pid), 5s)) << session->screen();
  EXPECT_TRUE(session->wait_for_text("api (pm_id 0)", 5s)) << "the first row is selected";
  EXPECT_TRUE(session->wait_for_text("ready, serving", 5s)) << "its log tail shows";

  ASSERT_TRUE(session->send_keys({"Down"}));
  ASSERT_TRUE(session->wait_for_text("api (pm_id 1)", 5s)) << session->screen();
  ASSERT_TRUE(session->send_keys({"r"}));
  ASSERT_TRUE(session->wait_for_text("restart pm_id 1: done", 30s)) << session->screen();
  const auto after_restart = pids();
  EXPECT_EQ(after_restart[0], before[0]);
  EXPECT_NE(after_restart[1], before[1]);
  EXPECT_TRUE(session->wait_for_text(std::to_string(after_restart[1]), 5s)) << session->screen();

  ASSERT_TRUE(session->send_keys({"l"}));
  ASSERT_TRUE(session->wait_for_text("reload 'api': done", 30s)) << session->screen();
  for (pid_t pid : pids()) {
    EXPECT_NE(pid, after_restart[0]);
    EXPECT_NE(pid, after_restart[1]);
  }

  const pid_t monit = session->pane_pid();
  ASSERT_TRUE(session->send_keys({"q"}));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (proc::process_info(monit) && proc::process_info(monit)->state != 'Z' &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  const auto left = proc::process_info(monit);
  EXPECT_TRUE(!left || left->state == 'Z') << "q did not end pm monit";
}

TEST_F(PmMonitoring, AHungInstanceIsReplacedAndTheDaemonExposesItsFigures) {
  const auto port = pm_->port_of("api");
  ASSERT_TRUE(port.ok());
  const HungWorker hung = hang_a_worker(port.value());
  ASSERT_NE(hung.pid, 0) << hung.error;
  // Replaced: a new process in its slot, online, the slot's restart counted.
  auto replaced = [&] {
    auto processes = pm_->processes("api");
    if (!processes || processes->size() != 2) return false;
    int restarts = 0;
    for (const auto& p : *processes) {
      if (p.value("pid", 0) == hung.pid || p.value("pid", 0) == 0) return false;
      if (p["pm2_env"].value("status", "") != "online") return false;
      restarts += p["pm2_env"].value("restart_time", 0);
    }
    return restarts == 1;
  };
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!replaced() && std::chrono::steady_clock::now() < deadline) {
  }
  ASSERT_TRUE(replaced()) << "the hung instance " << hung.pid << " was not replaced";

  const auto metrics = pm_->pm({"metrics"});
  ASSERT_EQ(metrics.code, 0) << metrics.text;
  EXPECT_NE(metrics.text.find("clusterlab_worker_restarts_total{app=\"api\",instance=\""),
            std::string::npos);
  EXPECT_TRUE(std::regex_search(
      metrics.text, std::regex(R"(clusterlab_worker_restarts_total\{app="api",instance="\d"\} 1)")))
      << metrics.text;
  if (auto complaints = testing::promtool_complaints(metrics.text)) {
    EXPECT_EQ(*complaints, "");
  }

  const auto dashboard = pm_->pm({"dashboard", "--json"});
  ASSERT_EQ(dashboard.code, 0) << dashboard.text;
  const auto answer = json::parse(dashboard.text);
  const auto page_port = answer["port"].get<std::uint16_t>();
  const Reply figures = fetch(page_port, "/api/figures");
  ASSERT_EQ(figures.status, 200);
  const auto timeline = json::parse(figures.body)["timeline"];
  bool saw_hung = false;
  for (const auto& e : timeline)
    saw_hung = saw_hung || (e["kind"] == "hung" && e["pid"] == hung.pid);
  EXPECT_TRUE(saw_hung) << figures.body;
  const auto again = pm_->pm({"dashboard"});
  EXPECT_NE(again.text.find("Dashboard on http://127.0.0.1:" + std::to_string(page_port) + "/"),
            std::string::npos)
      << again.text;
}

// A program that does not speak ClusterLab's protocol (fork mode) sends no heartbeats:
// pm's health_check probes its port from outside instead.
TEST(PmHealthCheck, AForkModeAppThatStopsAnsweringIsKilledAndRestarted) {
  auto created = PmUnderTest::create(kBin);
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& pm = *created.value();
  // A free port for the app (fork mode: the program binds it itself).
  auto reserved = net::bind_tcp("127.0.0.1", 0, {});
  ASSERT_TRUE(reserved.ok());
  const std::uint16_t port = net::bound_port(reserved->get()).value();
  reserved->reset();
  json app = {{"name", "solo"},
              {"script", kBin + "/clusterlab-app"},
              {"args", "--fault-routes"},
              {"env", {{"PORT", std::to_string(port)}}},
              {"health_check",
               {{"path", "/health"}, {"interval", 200}, {"timeout", 200}, {"failures", 2}}}};
  pm.write_file("solo.json", json{{"apps", json::array({app})}}.dump(2));
  ASSERT_EQ(pm.pm({"start", pm.path("solo.json")}).code, 0);
  ASSERT_TRUE(pm.wait_online("solo", 1, 20s));
  const HungWorker hung = hang_a_worker(port);
  ASSERT_NE(hung.pid, 0) << hung.error;
  auto restarted = [&] {
    auto processes = pm.processes("solo");
    return processes && processes->size() == 1 && (*processes)[0].value("pid", 0) != hung.pid &&
           (*processes)[0].value("pid", 0) != 0 &&
           (*processes)[0]["pm2_env"].value("restart_time", 0) == 1;
  };
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!restarted() && std::chrono::steady_clock::now() < deadline) {
  }
  ASSERT_TRUE(restarted()) << "the unanswering process " << hung.pid << " was not replaced";
  Reply health;
  for (int i = 0; i < 100 && health.status != 200; ++i)
    health = fetch(port, "/health");
  EXPECT_EQ(health.status, 200) << "the new process serves on the same port";
  EXPECT_NE(health.pid, hung.pid);
}

}  // namespace
}  // namespace clab::harness
