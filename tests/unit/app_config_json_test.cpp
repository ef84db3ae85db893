// AppConfig as JSON: what the CLI sends and dump.json keeps comes back the same; the daemon
// reads it with the ecosystem file's own readers, so a wrong field is named with its value
// and what is allowed, and a field the file may not have is refused.
#include "pm/app_config_json.hpp"

#include <gtest/gtest.h>

namespace clab::pm {
namespace {

using nlohmann::json;

// A start request holding `app`, read back as the daemon reads it.
Result<ResolvedApp> through_the_daemon(const json& app) {
  const ConfigDocument request{.path = "start request", .root = {{"apps", json::array({app})}}};
  return app_from_json(request, "/apps/0", 2);
}

TEST(AppConfigJson, EveryFieldSurvivesTheRoundTrip) {
  AppConfig fork;
  fork.name = "api";
  fork.script = "/srv/app.sh";
  fork.args = {"--verbose"};
  fork.interpreter = "none";
  fork.interpreter_args = {"--max-old-space-size=300"};
  fork.instances = 3;
  fork.env = {{"NODE_ENV", "production"}};
  fork.port = 8080;
  fork.kill_timeout_ms = 5000;
  fork.wait_ready = true;
  fork.heartbeat_timeout_ms = 2500;
  fork.health_check = monitor::ProbeSettings{.path = "/ready",
                                             .interval = std::chrono::milliseconds(200),
                                             .timeout = std::chrono::milliseconds(50),
                                             .failures = 2};
  fork.max_memory_restart_bytes = 300 * 1024 * 1024;
  fork.cron_restart = "0 3 * * *";
  fork.merge_logs = true;
  fork.watch = true;
  fork.watch_paths = {"src"};
  fork.ignore_watch = {"*.tmp"};
  AppConfig cluster{.name = "web", .script = "/srv/web.js", .interpreter = "node"};
  cluster.exec_mode = ExecMode::Cluster;
  cluster.listen_policy = "socket-activation";
  for (const AppConfig& app : {fork, cluster}) {
    json sent = to_json(app);
    sent["environment"] = {"PATH=/usr/bin", "HOME=/root"};
    auto back = through_the_daemon(sent);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(to_json(back->config), to_json(app));
    EXPECT_EQ(back->config.exec_mode, app.exec_mode);
    EXPECT_EQ(back->config.max_memory_restart_bytes, app.max_memory_restart_bytes);
    EXPECT_EQ(back->environment, (std::vector<std::string>{"PATH=/usr/bin", "HOME=/root"}));
  }
}

// Regression: a start request with "listen_policy": "bogus" was accepted ("ok": true, an
// instance with pid 0), and the daemon dereferenced an empty parse_listen_policy() on it.
TEST(AppConfigJson, AValueTheFileMayNotHaveIsRefusedWithTheFilesMessage) {
  struct Case {
    const char* field;
    json value;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"listen_policy", "bogus",
       "expected 'round-robin', 'shared', 'reuseport' or 'socket-activation'"},
      {"kill_timeout", "soon", "expected a whole number of ms, 0 or more"},
      {"kill_timeout", -5, "expected a whole number of ms, 0 or more"},
      {"instances", 1e9, "expected a whole number of instances"},
      {"instances", json::array(), "expected a whole number of instances"},
      {"exec_mode", "threads", "expected 'fork' or 'cluster'"},
      {"port", 70000, "expected a port from 0 (any free one) to 65535"},
      {"port", "3000", "expected a port from 0 (any free one) to 65535"},
      {"env", json::array({1}), "expected an object of NAME: value"},
      {"cron_restart", "every hour", "expected a cron expression"},
      {"watch_paths", json::object(), "expected a string or a list of strings"},
      {"environment", "PATH=/bin", "expected a list of \"NAME=value\" strings"},
      {"name", 42, "expected a string"},
      {"wait_ready", "yes", "expected true or false"},
  };
  for (const auto& c : cases) {
    json app = to_json(AppConfig{.name = "a", .script = "/x"});
    app[c.field] = c.value;
    auto read = through_the_daemon(app);
    ASSERT_FALSE(read.ok()) << c.field << " " << c.value.dump();
    const std::string& message = read.error().message;
    // An app whose name is not a string is named by its place.
    const std::string app_label = c.field == std::string("name") ? "#0" : "a";
    EXPECT_NE(message.find("start request: app '" + app_label + "': " + std::string(c.field) +
                           " is " + c.value.dump()),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
}

TEST(AppConfigJson, AnUnknownFieldOrAMissingScriptIsAnError) {
  json app = to_json(AppConfig{.name = "a", .script = "/x"});
  app["listen_policyy"] = "shared";
  auto unknown = through_the_daemon(app);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown field \"listen_policyy\""), std::string::npos)
      << unknown.error().message;
  auto no_script = through_the_daemon({{"name", "a"}});
  ASSERT_FALSE(no_script.ok());
  EXPECT_NE(no_script.error().message.find("has no script"), std::string::npos);
}

TEST(AppConfigJson, AHugeValueIsShownCutShort) {
  json app = to_json(AppConfig{.name = "a", .script = "/x"});
  app["listen_policy"] = std::string(1 << 20, 'x');
  auto read = through_the_daemon(app);
  ASSERT_FALSE(read.ok());
  EXPECT_LT(read.error().message.size(), 400u) << "one line, not a megabyte";
}

}  // namespace
}  // namespace clab::pm
