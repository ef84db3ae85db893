// AppConfig as JSON: what the CLI sends and dump.json keeps comes back the same; a field of
// the wrong type is named.
#include "pm/app_config_json.hpp"

#include <gtest/gtest.h>

namespace clab::pm {
namespace {

TEST(AppConfigJson, EveryFieldSurvivesTheRoundTrip) {
  AppConfig app;
  app.name = "api";
  app.script = "/srv/app.sh";
  app.args = {"--verbose"};
  app.interpreter_args = {"--max-old-space-size=300"};
  app.instances = 3;
  app.exec_mode = ExecMode::Cluster;
  app.listen_policy = "socket-activation";
  app.env = {{"NODE_ENV", "production"}};
  app.port = 8080;
  app.kill_timeout_ms = 5000;
  app.wait_ready = true;
  app.heartbeat_timeout_ms = 2500;
  app.health_check = monitor::ProbeSettings{.path = "/ready",
                                            .interval = std::chrono::milliseconds(200),
                                            .timeout = std::chrono::milliseconds(50),
                                            .failures = 2};
  app.max_memory_restart_bytes = 300 * 1024 * 1024;
  app.cron_restart = "0 3 * * *";
  app.merge_logs = true;
  app.watch = true;
  app.watch_paths = {"src"};
  app.ignore_watch = {"*.tmp"};
  auto back = app_from_json(to_json(app));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(to_json(back.value()), to_json(app));
  EXPECT_EQ(back->exec_mode, ExecMode::Cluster);
  EXPECT_EQ(back->max_memory_restart_bytes, app.max_memory_restart_bytes);
}

TEST(AppConfigJson, AWrongTypeIsNamed) {
  auto json = to_json(AppConfig{.name = "a", .script = "x"});
  json["kill_timeout"] = "soon";
  auto app = app_from_json(json);
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.error().message.find("'kill_timeout'"), std::string::npos) << app.error().message;
  EXPECT_FALSE(app_from_json(nlohmann::json::array()).ok());
  EXPECT_FALSE(app_from_json({{"name", "a"}}).ok()) << "no script";
}

}  // namespace
}  // namespace clab::pm
