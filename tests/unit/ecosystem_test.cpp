// The ecosystem file in each format, PM2's fields and defaults, and the one-line messages
// for every kind of mistake (table-driven), the seed's own file among the cases.
#include "pm/ecosystem.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/temp_directory.hpp"

namespace clab::pm {
namespace {

// The seed's ecosystem.config.js, verbatim but for the script.
constexpr const char* kSeedFile = R"(module.exports = {
  apps: [{
    name: 'nestjs-app',
    script: 'dist/main.js',
    instances: 'max',
    exec_mode: 'cluster',
    env: {
      NODE_ENV: 'production',
      PORT: 3000
    },
    // Graceful shutdown
    kill_timeout: 5000,
    wait_ready: true,
    listen_timeout: 10000
  }]
};
)";

const EcosystemOptions kFourCores{.cores = 4};

Result<Ecosystem> from_text(const std::string& path, const std::string& text,
                            const EcosystemOptions& options = kFourCores) {
  Result<ConfigDocument> document = path.ends_with(".json") ? parse_json_document(path, text)
                                    : path.ends_with(".yaml") || path.ends_with(".yml")
                                        ? parse_yaml_document(path, text)
                                        : parse_commonjs_document(path, text);
  if (!document) return document.error();
  return interpret_ecosystem(document.value(), options);
}

TEST(Ecosystem, TheSeedsFileReadsAsPm2WouldRunIt) {
  auto ecosystem = from_text("ecosystem.config.js", kSeedFile);
  ASSERT_TRUE(ecosystem.ok()) << ecosystem.error().message;
  EXPECT_TRUE(ecosystem->warnings.empty());
  ASSERT_EQ(ecosystem->apps.size(), 1u);
  const AppConfig& app = ecosystem->apps[0];
  EXPECT_EQ(app.name, "nestjs-app");
  EXPECT_EQ(app.script, "dist/main.js");
  EXPECT_EQ(app.interpreter, "node");
  EXPECT_EQ(app.instances, 4) << "'max' is one per core";
  EXPECT_EQ(app.exec_mode, ExecMode::Cluster);
  EXPECT_EQ(app.env.at("NODE_ENV"), "production");
  EXPECT_EQ(app.env.at("PORT"), "3000");
  EXPECT_EQ(app.port, 3000);
  EXPECT_EQ(app.kill_timeout_ms, 5000);
  EXPECT_TRUE(app.wait_ready);
  EXPECT_EQ(app.listen_timeout_ms, 10000);
  // PM2's defaults for what the file leaves out.
  EXPECT_EQ(app.min_uptime_ms, 1000);
  EXPECT_EQ(app.max_restarts, 16);
  EXPECT_TRUE(app.autorestart);
  EXPECT_EQ(app.instance_var, "NODE_APP_INSTANCE");
}

TEST(Ecosystem, JsonAndYamlSayTheSame) {
  const auto json = from_text("ecosystem.json", R"({"apps": [{"name": "api", "script": "./server",
    "instances": -1, "env": {"PORT": 8080, "DEBUG": false}, "max_memory_restart": "300M",
    "args": ["--verbose", "-x"], "watch": ["src"], "cron_restart": "0 3 * * *"}]})");
  const auto yaml = from_text("ecosystem.yaml", R"(apps:
  - name: api
    script: ./server
    instances: -1
    env:
      PORT: 8080
      DEBUG: false
    max_memory_restart: 300M
    args: [--verbose, -x]
    watch: [src]
    cron_restart: "0 3 * * *"
)");
  for (const auto* e : {&json, &yaml}) {
    ASSERT_TRUE(e->ok()) << e->error().message;
    const AppConfig& app = e->value().apps.at(0);
    EXPECT_EQ(app.name, "api");
    EXPECT_EQ(app.interpreter, "none") << "an executable runs as it is";
    EXPECT_EQ(app.instances, 3) << "-1 is one fewer than the cores";
    EXPECT_EQ(app.port, 8080);
    EXPECT_EQ(app.env.at("DEBUG"), "false");
    EXPECT_EQ(app.max_memory_restart_bytes, 300u * 1024 * 1024);
    EXPECT_EQ(app.args, (std::vector<std::string>{"--verbose", "-x"}));
    EXPECT_TRUE(app.watch);
    EXPECT_EQ(app.watch_paths, std::vector<std::string>{"src"});
    EXPECT_EQ(app.cron_restart, "0 3 * * *");
  }
}

TEST(Ecosystem, JavaScriptAsPeopleWriteIt) {
  auto ecosystem = from_text("ecosystem.config.js", R"('use strict';
/* the API */
module.exports = {
  apps: [
    {
      "name": `worker`,   // a template without ${}
      script: "bin/worker",
      args: '--queue high --retries 3',
      node_args: '--max-old-space-size=300',
      instances: 2,
      heartbeat_timeout: 2000,
      health_check: { path: '/ready', interval: 250, failures: 2 },
      env: { PORT: 4000 },
      env_production: { NODE_ENV: 'production', },
    },
  ],
}
)",
                             {.env_name = "production", .cores = 2});
  ASSERT_TRUE(ecosystem.ok()) << ecosystem.error().message;
  const AppConfig& app = ecosystem->apps.at(0);
  EXPECT_EQ(app.name, "worker");
  EXPECT_EQ(app.args, (std::vector<std::string>{"--queue", "high", "--retries", "3"}));
  EXPECT_EQ(app.interpreter_args, (std::vector<std::string>{"--max-old-space-size=300"}));
  EXPECT_EQ(app.env.at("NODE_ENV"), "production")
      << "--env production lays env_production over env";
  EXPECT_EQ(app.heartbeat_timeout_ms, 2000);
  ASSERT_TRUE(app.health_check);
  EXPECT_EQ(app.health_check->path, "/ready");
  EXPECT_EQ(app.health_check->interval.count(), 250);
  EXPECT_EQ(app.health_check->timeout.count(), 500) << "the default";
  EXPECT_EQ(app.health_check->failures, 2);
}

TEST(Ecosystem, AnUnknownFieldIsAWarningNamingTheNearestOne) {
  std::string text = kSeedFile;
  text.replace(text.find("kill_timeout"), 12, "kill_timout");
  auto ecosystem = from_text("ecosystem.config.js", text);
  ASSERT_TRUE(ecosystem.ok()) << ecosystem.error().message;
  ASSERT_EQ(ecosystem->warnings.size(), 1u);
  EXPECT_EQ(ecosystem->warnings[0],
            "unknown field 'kill_timout' in app 'nestjs-app' (ecosystem.config.js:12); did you "
            "mean 'kill_timeout'?");
  EXPECT_EQ(ecosystem->apps[0].kill_timeout_ms, 1600) << "PM2's default stands";
}

struct BadFile {
  std::string name;
  std::string path;
  std::string text;
  std::string error;  // the whole message
};
void PrintTo(const BadFile& c, std::ostream* os) {
  *os << c.name;
}

class EcosystemErrors : public ::testing::TestWithParam<BadFile> {};

TEST_P(EcosystemErrors, OneLineNamingFileLineFieldAndWhatIsAllowed) {
  auto ecosystem = from_text(GetParam().path, GetParam().text);
  ASSERT_FALSE(ecosystem.ok());
  EXPECT_EQ(ecosystem.error().message, GetParam().error);
  EXPECT_EQ(ecosystem.error().message.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, EcosystemErrors,
    ::testing::Values(
        BadFile{"instances_maxx", "e.js",
                "module.exports = {apps: [{name: 'a', script: 's',\n instances: 'maxx'}]}",
                "e.js:2: app 'a': instances is \"maxx\"; expected a whole number of instances, "
                "'max' or 0 for one per core, -1 for one fewer"},
        BadFile{"negative_timeout", "e.json",
                "{\"apps\": [{\"name\": \"a\", \"script\": \"s\",\n\n \"kill_timeout\": -5}]}",
                "e.json:3: app 'a': kill_timeout is -5; expected a whole number of ms, 0 or more"},
        BadFile{"negative_heartbeat", "e.js",
                "module.exports = {apps: [{name: 'a', script: 's', heartbeat_timeout: -1}]}",
                "e.js:1: app 'a': heartbeat_timeout is -1; expected a whole number of ms, 0 or "
                "more"},
        BadFile{"health_check_cluster", "e.js",
                "module.exports = {apps: [{name: 'a', script: 's', exec_mode: 'cluster',\n "
                "health_check: {path: '/health'}, env: {PORT: 3000}}]}",
                "e.js:2: app 'a': health_check probes each instance on its own port: it needs "
                "exec_mode 'fork' and env.PORT (cluster-mode ClusterLab workers have "
                "heartbeat_timeout)"},
        BadFile{"health_check_field", "e.js",
                "module.exports = {apps: [{name: 'a', script: 's', health_check: {timeout: 0}}]}",
                "e.js:1: app 'a': health_check.timeout is 0; expected a whole number of ms, 1 or "
                "more"},
        BadFile{"exec_mode", "e.yml", "apps:\n  - name: a\n    script: s\n    exec_mode: spawn\n",
                "e.yml:4: app 'a': exec_mode is \"spawn\"; expected 'fork' or 'cluster'"},
        BadFile{"wait_ready_word", "e.js",
                "module.exports = {apps: [{name: 'a', script: 's', wait_ready: 'yes'}]}",
                "e.js:1: app 'a': wait_ready is \"yes\"; expected true or false"},
        BadFile{"memory", "e.js",
                "module.exports = {apps: [{name: 'a', script: 's', max_memory_restart: 'lots'}]}",
                "e.js:1: app 'a': max_memory_restart is \"lots\"; expected a size such as "
                "'300M', '1G', '512K', or a number of bytes"},
        BadFile{
            "port", "e.js",
            "module.exports = {apps: [{name: 'a', script: 's',\n env: {PORT: 70000}}]}",
            "e.js:2: app 'a': env.PORT is '70000'; expected a port from 0 (any free one) to 65535"},
        BadFile{"no_script", "e.js", "module.exports = {apps: [\n {name: 'a'}]}",
                "e.js:2: app 'a' has no script; expected script: 'path/to/program'"},
        BadFile{"no_apps", "e.json", "{\"app\": []}",
                "e.json:1: no apps; expected { apps: [ { name, script, ... } ] }"},
        BadFile{"empty_apps", "e.json", "{\"apps\": []}",
                "e.json:1: apps is empty; expected at least one app"},
        BadFile{"same_name", "e.js",
                "module.exports = {apps: [{name: 'a', script: 's'},\n {name: 'a', script: 't'}]}",
                "e.js:2: two apps are named 'a'; expected each name once"},
        BadFile{"json_trailing_comma", "e.json", "{\"apps\": [{\"script\": \"s\",}]}",
                "e.json:1: a trailing comma is not JSON"},
        BadFile{"json_single_quotes", "e.json", "{\n'apps': []}",
                "e.json:2: expected a key in double quotes"},
        BadFile{"yaml_broken", "e.yaml", "apps:\n  - name: a\n   script: [s\n",
                "e.yaml:3: end of sequence not found"},
        BadFile{"js_unclosed_string", "e.js",
                "module.exports = {apps: [{name: 'a,\n script: 's'}]}",
                "e.js:1: a string is not closed on its line"},
        BadFile{"js_computed", "e.js",
                "module.exports = {apps: [{name: 'a', script: 's',\n instances: "
                "require('os').cpus().length}]}",
                "e.js:2: 'require' is computed (a variable, a call or require)"}),
    [](const auto& info) { return info.param.name; });

// A file that computes its values is evaluated by node when it is on PATH (as PM2 would
// require() it), and refused with the line pm could not read when it is not.
TEST(Ecosystem, AComputedFileIsEvaluatedByNode) {
  auto dir = TempDirectory::create("clusterlab-ecosystem");
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->file("ecosystem.config.js");
  std::ofstream(path) << "const cores = 1 + 1;\nmodule.exports = { apps: [{ name: `app-${cores}`, "
                         "script: 'server.js', instances: cores }] };\n";
  auto ecosystem = load_ecosystem(path, kFourCores);
  if (!ecosystem && ecosystem.error().message.find("node is not on PATH") != std::string::npos) {
    EXPECT_EQ(ecosystem.error().message,
              path +
                  ":1: expected 'module.exports = {' (code before it computes); pm reads only "
                  "object literals, and node is not on PATH to evaluate it");
    GTEST_SKIP() << "node is not installed: the refusal is checked instead";
  }
  ASSERT_TRUE(ecosystem.ok()) << ecosystem.error().message;
  EXPECT_EQ(ecosystem->apps.at(0).name, "app-2");
  EXPECT_EQ(ecosystem->apps.at(0).instances, 2);
}

}  // namespace
}  // namespace clab::pm
