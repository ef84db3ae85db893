// pm against a real daemon in a temporary PM_HOME: each verb as a user types it, reload and
// rollback under load, logs and their rotation, the socket's uid check, a killed daemon.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "http_probe.hpp"
#include "pm/control_socket.hpp"
#include "proc/child_process.hpp"
#include "proc/process_table.hpp"
#include "support/bin_dir.hpp"
#include "testkit/pm_under_test.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testkit::PmUnderTest;

using testing::kBin;

// A cluster-mode app of clusterlab-app on a free port, with `extra` fields; kill_timeout is
// the seed's, which leaves a drain room on a loaded machine.
std::string cluster_app(const std::string& name, int instances, const std::string& script,
                        const json& extra = json::object()) {
  json app = {{"name", name},           {"script", script},     {"instances", instances},
              {"exec_mode", "cluster"}, {"kill_timeout", 5000}, {"env", {{"PORT", "0"}}}};
  app.update(extra);
  return json{{"apps", json::array({app})}}.dump(2);
}

std::vector<pid_t> pids_of(const std::vector<json>& processes) {
  std::vector<pid_t> out;
  for (const auto& p : processes)
    out.push_back(p.value("pid", 0));
  return out;
}

// loadgen's report, once it has finished.
json finish_load(proc::ChildProcess& loadgen) {
  EXPECT_TRUE(loadgen.wait(120s).has_value());
  (void)loadgen.wait_for_output_end(10s);
  std::string text;
  for (const auto& line : loadgen.lines())
    text += line;
  auto report = json::parse(text, nullptr, false);
  EXPECT_TRUE(report.is_object()) << text;
  return report;
}

std::unique_ptr<proc::ChildProcess> start_load(std::uint16_t port, int connections,
                                               double seconds) {
  auto child = proc::ChildProcess::spawn(
      {.argv = {kBin + "/loadgen", "-c", std::to_string(connections), "-d", std::to_string(seconds),
                "--json", "http://127.0.0.1:" + std::to_string(port) + "/"}});
  EXPECT_TRUE(child.ok());
  return child ? std::move(child).value() : nullptr;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class PmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pm = PmUnderTest::create(kBin);
    ASSERT_TRUE(pm.ok()) << pm.error().message;
    pm_ = std::move(pm).value();
  }
  // Writes the file and starts it; the app is online when this returns.
  void start(const std::string& file, const std::string& text, const std::string& app,
             std::size_t instances) {
    pm_->write_file(file, text);
    const auto run = pm_->pm({"start", pm_->path(file)});
    ASSERT_EQ(run.code, 0) << run.text;
    ASSERT_TRUE(pm_->wait_online(app, instances, 10s)) << pm_->pm({"list"}).text;
  }
  std::vector<json> processes(const std::string& app) {
    auto list = pm_->processes(app);
    EXPECT_TRUE(list.ok());
    return list ? list.value() : std::vector<json>{};
  }

  std::unique_ptr<PmUnderTest> pm_;
  const std::string app_ = kBin + "/clusterlab-app";
};

TEST_F(PmTest, StartsAnEcosystemFileAndListsItLikePm2) {
  start("ecosystem.json", cluster_app("api", 2, app_), "api", 2);
  const auto port = pm_->port_of("api");
  ASSERT_TRUE(port.ok());
  const auto health = harness::fetch(port.value(), "/api/health");
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos);

  const auto table = pm_->pm({"list"});
  EXPECT_EQ(table.code, 0);
  for (const char* column : {"id", "name", "mode", "pid", "uptime", "status", "cpu", "mem"})
    EXPECT_NE(table.text.find(column), std::string::npos) << column;
  EXPECT_NE(pm_->pm({"ls"}).text.find("│ api "), std::string::npos);  // ls is list

  // jlist: PM2's shape, so scripts written for PM2 read it.
  const auto list = processes("api");
  ASSERT_EQ(list.size(), 2u);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& p = list[i];
    EXPECT_GT(p.value("pid", 0), 0);
    EXPECT_EQ(p.value("pm_id", -1), static_cast<int>(i));
    EXPECT_TRUE(p["monit"].contains("memory") && p["monit"].contains("cpu"));
    EXPECT_GT(p["monit"].value("memory", 0ull), 0ull);
    const json& env = p["pm2_env"];
    EXPECT_EQ(env.value("status", ""), "online");
    EXPECT_EQ(env.value("exec_mode", ""), "cluster_mode");
    EXPECT_EQ(env.value("restart_time", -1), 0);
    EXPECT_GT(env.value("pm_uptime", 0LL), 1'700'000'000'000LL);  // ms since the epoch
  }
  const auto described = pm_->pm({"describe", "api"});
  EXPECT_EQ(described.code, 0);
  EXPECT_NE(described.text.find("out log path"), std::string::npos);
  EXPECT_NE(described.text.find(pm_->home() + "/logs/api-out-0.log"), std::string::npos);
  const auto as_json = pm_->pm({"list", "--json"});
  EXPECT_TRUE(json::parse(as_json.text, nullptr, false).is_object()) << as_json.text;
  EXPECT_EQ(pm_->pm({"describe", "nope"}).code, 1);
}

TEST_F(PmTest, StopRestartAndDeleteDoWhatTheySay) {
  start("ecosystem.json", cluster_app("api", 2, app_), "api", 2);
  const auto first = pids_of(processes("api"));

  ASSERT_EQ(pm_->pm({"stop", "api"}).code, 0);
  for (const auto& p : processes("api"))
    EXPECT_EQ(p["pm2_env"].value("status", ""), "stopped");
  for (pid_t pid : first)
    EXPECT_FALSE(proc::is_running(pid)) << pid;

  ASSERT_EQ(pm_->pm({"start", pm_->path("ecosystem.json")}).code, 0);
  ASSERT_TRUE(pm_->wait_online("api", 2, 10s));
  const auto second = pids_of(processes("api"));
  for (std::size_t i = 0; i < second.size(); ++i)  // started again: the same pm_ids
    EXPECT_EQ(processes("api")[i].value("pm_id", -1), static_cast<int>(i));
  ASSERT_EQ(pm_->pm({"restart", "api"}).code, 0);
  ASSERT_TRUE(pm_->wait_online("api", 2, 10s));
  const auto after_restart = processes("api");
  for (std::size_t i = 0; i < after_restart.size(); ++i) {
    EXPECT_NE(after_restart[i].value("pid", 0), second[i]);
    EXPECT_EQ(after_restart[i]["pm2_env"].value("restart_time", 0), 1);
  }
  // Already running: said, not an error.
  const auto again = pm_->pm({"start", pm_->path("ecosystem.json")});
  EXPECT_EQ(again.code, 0);
  EXPECT_NE(again.text.find("already running"), std::string::npos);

  ASSERT_EQ(pm_->pm({"delete", "all"}).code, 0);
  EXPECT_TRUE(processes("api").empty());
  for (pid_t pid : pids_of(after_restart))
    EXPECT_FALSE(proc::is_running(pid)) << pid;
}

TEST_F(PmTest, ScaleSignalAndResetActOnInstances) {
  start("ecosystem.json", cluster_app("api", 1, app_), "api", 1);
  ASSERT_EQ(pm_->pm({"scale", "api", "+2"}).code, 0);
  ASSERT_TRUE(pm_->wait_online("api", 3, 10s));
  ASSERT_EQ(pm_->pm({"scale", "api", "1"}).code, 0);
  ASSERT_TRUE(pm_->wait_online("api", 1, 10s));
  EXPECT_EQ(pm_->pm({"scale", "api", "two"}).code, 2);

  const pid_t before = processes("api").at(0).value("pid", 0);
  ASSERT_EQ(pm_->pm({"sendSignal", "SIGKILL", "api"}).code, 0);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         (processes("api").at(0).value("pid", 0) == before || !pm_->wait_online("api", 1, 1s))) {
  }
  const auto after = processes("api").at(0);
  EXPECT_NE(after.value("pid", 0), before);
  EXPECT_EQ(after["pm2_env"].value("restart_time", 0), 1);
  EXPECT_EQ(pm_->pm({"sendSignal", "SIGNOPE", "api"}).code, 1);

  ASSERT_EQ(pm_->pm({"reset", "api"}).code, 0);
  EXPECT_EQ(processes("api").at(0)["pm2_env"].value("restart_time", -1), 0);
}

TEST_F(PmTest, TwentyReloadsUnderLoadLoseNoRequest) {
  start("ecosystem.json", cluster_app("api", 2, app_), "api", 2);
  const auto port = pm_->port_of("api");
  ASSERT_TRUE(port.ok());
  const auto before = pids_of(processes("api"));
  auto load = start_load(port.value(), 100, 8);
  ASSERT_TRUE(load);
  for (int i = 0; i < 20; ++i) {
    const auto run = pm_->pm({"reload", "api"});
    ASSERT_EQ(run.code, 0) << "reload " << i << ": " << run.text;
  }
  const json report = finish_load(*load);
  EXPECT_EQ(report.value("errors", -1), 0) << report.dump();
  EXPECT_EQ(report.value("non2xx", -1), 0);
  EXPECT_GT(report["requests"].value("total", 0), 1000);
  const auto after = processes("api");
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_NE(after[i].value("pid", 0), before[i]);
    EXPECT_EQ(after[i]["pm2_env"].value("restart_time", 0), 20);
  }
}

TEST_F(PmTest, AReleaseThatNeverBecomesReadyIsRolledBack) {
  pm_->write_file("app.sh", "#!/bin/sh\nexec " + app_ + " \"$@\"\n", true);
  start(
      "ecosystem.json",
      cluster_app("api", 2, pm_->path("app.sh"), {{"wait_ready", true}, {"listen_timeout", 1000}}),
      "api", 2);
  const auto port = pm_->port_of("api");
  ASSERT_TRUE(port.ok());
  const auto before = pids_of(processes("api"));
  // The new release on disk: it listens but never says it is ready.
  pm_->write_file("app.sh", "#!/bin/sh\nexec " + app_ + " --never-ready \"$@\"\n", true);
  auto load = start_load(port.value(), 20, 3);
  const auto run = pm_->pm({"reload", "api"});
  EXPECT_EQ(run.code, 1) << run.text;
  EXPECT_NE(run.text.find("pm_id 0"), std::string::npos) << run.text;
  EXPECT_NE(run.text.find("listen_timeout"), std::string::npos) << run.text;
  EXPECT_NE(run.text.find("rolled back"), std::string::npos) << run.text;
  const json report = finish_load(*load);
  EXPECT_EQ(report.value("errors", -1), 0) << report.dump();
  EXPECT_EQ(report.value("non2xx", -1), 0);
  EXPECT_EQ(pids_of(processes("api")), before);
  for (pid_t pid : before)
    EXPECT_TRUE(proc::is_running(pid));
}

TEST_F(PmTest, LogsArePerInstancePrefixedAndFlushed) {
  start("ecosystem.json", cluster_app("api", 2, app_, {{"time", true}}), "api", 2);
  const std::string out0 = pm_->home() + "/logs/api-out-0.log";
  const std::string out1 = pm_->home() + "/logs/api-out-1.log";
  EXPECT_TRUE(std::regex_search(read_file(out0),
                                std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: App \d+ starting)")))
      << read_file(out0);
  EXPECT_NE(read_file(out1).find("ready"), std::string::npos);
  const auto logs = pm_->pm({"logs", "api", "--nostream", "--lines", "5"});
  EXPECT_EQ(logs.code, 0);
  EXPECT_NE(logs.text.find("0|api| "), std::string::npos) << logs.text;
  EXPECT_NE(logs.text.find("1|api| "), std::string::npos) << logs.text;
  const auto raw = pm_->pm({"logs", "--nostream", "--raw"});
  EXPECT_EQ(raw.text.find("|api|"), std::string::npos) << raw.text;
  ASSERT_EQ(pm_->pm({"flush"}).code, 0);
  EXPECT_EQ(read_file(out0), "");
}

TEST_F(PmTest, RotationKeepsEveryLineOnce) {
  // A fork-mode program that writes 3000 numbered lines.
  pm_->write_file("count.sh",
                  "#!/bin/sh\ni=0\nwhile [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done\n"
                  "echo done\nexec sleep 600\n",
                  true);
  pm_->write_file(
      "ecosystem.json",
      json{{"apps", {{{"name", "counter"}, {"script", pm_->path("count.sh")}}}}}.dump());
  const auto run = pm_->pm({"start", pm_->path("ecosystem.json")},
                           {{"PM_LOG_MAX_SIZE", "4096"}, {"PM_LOG_RETAIN", "100"}});
  ASSERT_EQ(run.code, 0) << run.text;
  const std::string live = pm_->home() + "/logs/counter-out-0.log";
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (read_file(live).find("done") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);  // polling a file with a deadline
  }
  std::string all;
  int rotated = 0;
  for (int n = 100; n >= 1; --n) {
    const std::string path = live + "." + std::to_string(n);
    if (!std::filesystem::exists(path)) continue;
    ++rotated;
    EXPECT_LE(std::filesystem::file_size(path), 4096u) << path;
    all += read_file(path);
  }
  all += read_file(live);
  EXPECT_GE(rotated, 5);
  std::string expected;
  for (int i = 0; i < 3000; ++i)
    expected += "line " + std::to_string(i) + "\n";
  expected += "done\n";
  EXPECT_EQ(all, expected);
}

TEST_F(PmTest, ABrokenFileStartsNothingAndSaysWhereInOneLine) {
  pm_->write_file("ecosystem.config.js",
                  "module.exports = {\n  apps: [{\n    name: 'api',\n    script: 'x',\n"
                  "    instances: 'maxx',\n  }],\n};\n");
  const auto run = pm_->pm({"start", pm_->path("ecosystem.config.js")});
  EXPECT_EQ(run.code, 2) << run.text;
  EXPECT_EQ(std::count(run.text.begin(), run.text.end(), '\n'), 1) << run.text;
  EXPECT_NE(run.text.find("ecosystem.config.js:5"), std::string::npos) << run.text;
  EXPECT_NE(run.text.find("maxx"), std::string::npos) << run.text;
  EXPECT_EQ(pm_->daemon_pid(), 0) << "a daemon was started for a broken file";
  EXPECT_EQ(pm_->pm({"start", "--instances", "many", "x"}).code, 2);

  // Regression: a file whose script is not there registered two errored instances in the
  // daemon and exited 1. Like every other broken file, it is refused before the daemon is
  // asked: one line naming the file, the app, the field and the path; nothing registered.
  pm_->write_file("nest.config.js",
                  "module.exports = {\n  apps: [{\n    name: 'nest',\n"
                  "    script: '/nonexistent/dist/main.js',\n    instances: 2,\n"
                  "    exec_mode: 'cluster',\n  }],\n};\n");
  const auto missing = pm_->pm({"start", pm_->path("nest.config.js")});
  EXPECT_EQ(missing.code, 2) << missing.text;
  EXPECT_EQ(std::count(missing.text.begin(), missing.text.end(), '\n'), 1) << missing.text;
  EXPECT_NE(missing.text.find("nest.config.js:4: app 'nest': script is "
                              "'/nonexistent/dist/main.js'; expected a file to run with node"),
            std::string::npos)
      << missing.text;
  pm_->write_file("missing.json",
                  json{{"apps", {{{"name", "ghost"}, {"script", "no-such-program"}}}}}.dump());
  const auto not_on_path = pm_->pm({"start", pm_->path("missing.json")});
  EXPECT_EQ(not_on_path.code, 2) << not_on_path.text;
  EXPECT_NE(not_on_path.text.find("app 'ghost': script is 'no-such-program'; expected an "
                                  "executable file ('no-such-program' is not on PATH)"),
            std::string::npos)
      << not_on_path.text;
  const auto program = pm_->pm({"start", "/nonexistent/server"});
  EXPECT_EQ(program.code, 2) << program.text;
  EXPECT_EQ(pm_->daemon_pid(), 0) << "a daemon was started for a script that is not there";
  const auto list = pm_->jlist();
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_TRUE(list.value().empty()) << list.value().dump();
}

TEST_F(PmTest, AKilledDaemonLeavesNoAppAndResurrectBringsThemBack) {
  start("ecosystem.json", cluster_app("api", 2, app_), "api", 2);
  ASSERT_EQ(pm_->pm({"save"}).code, 0);
  const auto apps = pm_->app_pids();
  ASSERT_EQ(apps.size(), 2u);
  ASSERT_EQ(::kill(pm_->daemon_pid(), SIGKILL), 0);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!pm_->surviving_apps().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);  // not our children: /proc is all there is to watch
  EXPECT_TRUE(pm_->surviving_apps().empty()) << "orphans left by a killed daemon";

  const auto run = pm_->pm({"resurrect"});
  ASSERT_EQ(run.code, 0) << run.text;
  EXPECT_TRUE(pm_->wait_online("api", 2, 10s));
  ASSERT_EQ(pm_->pm({"kill"}).code, 0);
  EXPECT_FALSE(proc::is_running(pm_->daemon_pid()));
  EXPECT_TRUE(pm_->surviving_apps().empty());
}

TEST_F(PmTest, TheProtocolAnswersEveryRequestWithOneLine) {
  ASSERT_EQ(pm_->pm({"ping"}).code, 0);
  const std::string socket = pm_->home() + "/pm.sock";
  const auto ping = pm::call_daemon(socket, {{"verb", "ping"}}, 5000);
  ASSERT_TRUE(ping.ok()) << ping.error().message;
  EXPECT_TRUE(ping.value().value("ok", false));
  EXPECT_EQ(ping.value().value("pid", 0), pm_->daemon_pid());
  const auto unknown = pm::call_daemon(socket, {{"verb", "explode"}}, 5000);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown.value().value("ok", true));
  EXPECT_NE(unknown.value().value("error", "").find("unknown verb 'explode'"), std::string::npos);
  const auto no_verb = pm::call_daemon(socket, json::array({1, 2}), 5000);
  ASSERT_TRUE(no_verb.ok());
  EXPECT_NE(no_verb.value().value("error", "").find("'verb'"), std::string::npos);
  const auto missing = pm::call_daemon(socket, {{"verb", "stop"}, {"target", "nope"}}, 5000);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing.value().value("error", ""), "process or app 'nope' not found");
  const auto scale = pm::call_daemon(socket, {{"verb", "scale"}, {"target", "nope"}}, 5000);
  ASSERT_TRUE(scale.ok());
  EXPECT_FALSE(scale.value().value("ok", true));
}

TEST_F(PmTest, MergedAndNamedLogFilesGetEveryInstancesLines) {
  start("ecosystem.json",
        cluster_app("api", 2, app_,
                    {{"merge_logs", true},
                     {"log_file", pm_->path("combined.log")},
                     {"log_date_format", "[at] HH:mm"}}),
        "api", 2);
  const std::string merged = read_file(pm_->home() + "/logs/api-out.log");
  for (const auto& p : processes("api")) {
    const std::string ready = "App " + std::to_string(p.value("pid", 0)) + " ready";
    EXPECT_NE(merged.find(ready), std::string::npos) << merged;
    // log_file has both streams of both instances (a name of its own per instance unless
    // merged: here merged).
    EXPECT_NE(read_file(pm_->path("combined.log")).find(ready), std::string::npos);
  }
  EXPECT_TRUE(std::regex_search(merged, std::regex(R"(^at \d\d:\d\d: App)")));
}

TEST_F(PmTest, AnotherUserIsRefusedEvenThroughALoosenedSocket) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to connect as another uid";
  ASSERT_EQ(pm_->pm({"ping"}).code, 0);
  const std::string socket = pm_->home() + "/pm.sock";
  struct stat st {};
  ASSERT_EQ(::stat(socket.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Loosened by hand: the file mode is no longer what protects it.
  ASSERT_EQ(::chmod(socket.c_str(), 0666), 0);
  ASSERT_EQ(::chmod(pm_->home().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(std::filesystem::path(pm_->home()).parent_path().c_str(), 0755), 0);
  int answer[2];
  ASSERT_EQ(::pipe(answer), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(answer[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    auto reply = pm::call_daemon(socket, {{"verb", "list"}}, 5000);
    const std::string text = reply ? reply.value().dump() : "error: " + reply.error().message;
    (void)!::write(answer[1], text.data(), text.size());
    ::_exit(0);
  }
  ::close(answer[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(answer[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<std::size_t>(n));
  ::close(answer[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const auto reply = json::parse(text, nullptr, false);
  ASSERT_TRUE(reply.is_object()) << text;
  EXPECT_FALSE(reply.value("ok", true));
  EXPECT_NE(reply.value("error", "").find("permission denied"), std::string::npos) << text;
  EXPECT_FALSE(reply.contains("processes"));
}

TEST_F(PmTest, ForkModeAndSocketActivationServe) {
  // Fork mode: the program listens on its own port; its ready line says which.
  pm_->write_file("ecosystem.json",
                  json{{"apps",
                        {{{"name", "alone"}, {"script", app_}, {"args", {"--port", "0"}}},
                         {{"name", "activated"},
                          {"script", app_},
                          {"exec_mode", "cluster"},
                          {"instances", 2},
                          {"listen_policy", "socket-activation"},
                          {"env", {{"PORT", "0"}}}}}}}
                      .dump());
  ASSERT_EQ(pm_->pm({"start", pm_->path("ecosystem.json")}).code, 0);
  ASSERT_TRUE(pm_->wait_online("alone", 1, 10s));
  ASSERT_TRUE(pm_->wait_online("activated", 2, 10s));
  std::smatch match;
  const std::string log = read_file(pm_->home() + "/logs/alone-out-0.log");
  ASSERT_TRUE(std::regex_search(log, match, std::regex(R"(serving http://127\.0\.0\.1:(\d+))")))
      << log;
  EXPECT_EQ(harness::fetch(static_cast<std::uint16_t>(std::stoi(match[1])), "/api/health").status,
            200);
  EXPECT_EQ(processes("alone").at(0)["pm2_env"].value("exec_mode", ""), "fork_mode");

  const auto port = pm_->port_of("activated");
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(harness::fetch(port.value(), "/api/health").status, 200);
  const std::string activated = read_file(pm_->home() + "/logs/activated-out-1.log");
  EXPECT_NE(activated.find("LISTEN_FDS"), std::string::npos) << activated;
}

TEST_F(PmTest, WatchAndCronRestartTheApp) {
  std::filesystem::create_directory(pm_->path("src"));
  pm_->write_file("ecosystem.json", json{{"apps",
                                          {{{"name", "watched"},
                                            {"script", app_},
                                            {"args", {"--port", "0"}},
                                            {"watch", {pm_->path("src")}}},
                                           {{"name", "cron"},
                                            {"script", app_},
                                            {"exec_mode", "cluster"},
                                            {"cron_restart", "*/2 * * * * *"},
                                            {"env", {{"PORT", "0"}}}}}}}
                                        .dump());
  const auto run = pm_->pm({"start", pm_->path("ecosystem.json")});
  ASSERT_EQ(run.code, 0) << run.text;
  ASSERT_TRUE(pm_->wait_online("watched", 1, 10s));
  ASSERT_TRUE(pm_->wait_online("cron", 1, 10s)) << read_file(pm_->path("ecosystem.json"));
  const pid_t before = processes("watched").at(0).value("pid", 0);
  pm_->write_file("src/main.js", "changed");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         (processes("watched").at(0).value("pid", 0) == before ||
          processes("cron").at(0)["pm2_env"].value("restart_time", 0) == 0)) {
    std::this_thread::sleep_for(50ms);  // polling the daemon's answer, with a deadline
  }
  EXPECT_NE(processes("watched").at(0).value("pid", 0), before);
  EXPECT_GE(processes("cron").at(0)["pm2_env"].value("restart_time", 0), 1);
}

TEST_F(PmTest, StartupPrintsATypeNotifyUnitAndTheDaemonSaysReady) {
  const auto unit = pm_->pm({"startup"});
  EXPECT_EQ(unit.code, 0);
  EXPECT_NE(unit.text.find("Type=notify"), std::string::npos) << unit.text;
  EXPECT_NE(unit.text.find("ExecStart=" + kBin + "/pm daemon --resurrect"), std::string::npos)
      << unit.text;

  // systemd's side of Type=notify: a datagram socket that hears READY=1.
  const std::string name = "clusterlab-pm-test-" + std::to_string(::getpid());
  const int listener = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())),
            0);
  std::filesystem::create_directories(pm_->home());
  auto daemon =
      proc::ChildProcess::spawn({.argv = {kBin + "/pm", "daemon"},
                                 .env = {{"PM_HOME", pm_->home()}, {"NOTIFY_SOCKET", "@" + name}},
                                 .merge_stderr = true});
  ASSERT_TRUE(daemon.ok());
  timeval timeout{10, 0};
  ::setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buffer[256];
  const ssize_t n = ::recv(listener, buffer, sizeof buffer, 0);
  ::close(listener);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), "READY=1");
  EXPECT_EQ(pm_->pm({"ping"}).code, 0);
  EXPECT_EQ(pm_->pm({"kill"}).code, 0);
  EXPECT_TRUE((*daemon)->wait(10s).has_value());
}

TEST_F(PmTest, TheSeedsFileStartsAsWrittenInANetworkOfItsOwn) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a private network namespace (port 3000)";
  // The seed's file, verbatim but for the script: it names port 3000, so it runs in a
  // network namespace of its own, where 127.0.0.1:3000 is nobody else's.
  pm_->write_file("ecosystem.config.js",
                  "module.exports = {\n  apps: [{\n    name: 'nestjs-app',\n"
                  "    script: '" +
                      app_ +
                      "',\n    instances: 'max',\n"
                      "    exec_mode: 'cluster',\n    env: {\n"
                      "      NODE_ENV: 'production',\n      PORT: 3000\n    },\n"
                      "    // Graceful shutdown\n    kill_timeout: 5000,\n"
                      "    wait_ready: true,\n    listen_timeout: 10000\n  }]\n};\n");
  const std::string script =
      "ip link set lo up && \"$0\"/pm start \"$1\" >/dev/null && "
      "\"$0\"/loadgen -a 20 -c 2 --json http://127.0.0.1:3000/api/health; status=$?; "
      "\"$0\"/pm kill >/dev/null; exit $status";
  auto child = proc::ChildProcess::spawn(
      {.argv = {"unshare", "-n", "sh", "-c", script, kBin, pm_->path("ecosystem.config.js")},
       .env = {{"PM_HOME", pm_->home()}}});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(60s);
  ASSERT_TRUE(status.has_value());
  (void)(*child)->wait_for_output_end(10s);
  std::string text;
  for (const auto& line : (*child)->lines())
    text += line;
  if (status->code != 0 && text.find("Operation not permitted") != std::string::npos)
    GTEST_SKIP() << "unshare -n is not permitted here: " << text;
  ASSERT_EQ(status->code, 0) << text;
  const auto report = json::parse(text, nullptr, false);
  ASSERT_TRUE(report.is_object()) << text;
  EXPECT_EQ(report["statusCodeStats"].value("200", 0), 20) << text;
}

}  // namespace
}  // namespace clab
