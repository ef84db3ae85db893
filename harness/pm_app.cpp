#include "pm_app.hpp"

#include <fmt/format.h>

namespace clab::harness {

using namespace std::chrono_literals;

void PmApp::write_release(const std::string& arguments) const {
  const std::string command = arguments.rfind("--", 0) == 0 || arguments.empty()
                                  ? pm->bin_dir() + "/clusterlab-app " + arguments
                                  : arguments;
  pm->write_file("app.sh", "#!/bin/sh\nexec " + command + " \"$@\"\n", true);
}

std::optional<PmApp> start_pm_app(const CheckContext& context, CheckResult& result, int instances,
                                  const nlohmann::json& extra, const std::string& arguments) {
  auto pm = testkit::PmUnderTest::create(context.bin_dir);
  if (!pm) {
    result.expect(false, "no PM_HOME: " + pm.error().message);
    return std::nullopt;
  }
  PmApp app{std::move(pm).value(), 0, {}};
  app.release = app.pm->path("app.sh");
  app.write_release(arguments);
  nlohmann::json config = {{"name", "api"},          {"script", app.release},
                           {"instances", instances}, {"exec_mode", "cluster"},
                           {"kill_timeout", 5000},  // the seed's
                           {"env", {{"PORT", "0"}}}};
  config.update(extra);
  app.pm->write_file("ecosystem.json", nlohmann::json{{"apps", {config}}}.dump(2));
  const auto run = app.pm->pm({"start", app.pm->path("ecosystem.json")});
  if (run.code != 0 || !app.pm->wait_online("api", static_cast<std::size_t>(instances), 15s)) {
    result.expect(false, fmt::format("pm start failed (exit {}): {}", run.code, run.text));
    return std::nullopt;
  }
  auto port = app.pm->port_of("api");
  if (!port) {
    result.expect(false, port.error().message);
    return std::nullopt;
  }
  app.port = port.value();
  return app;
}

}  // namespace clab::harness
