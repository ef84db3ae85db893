// What the pm checks share: a pm daemon in a PM_HOME of its own with one cluster-mode app
// of clusterlab-app (through a wrapper script, so that a check can put a new "release" on
// disk), started and online on a free port.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "check.hpp"
#include "testkit/pm_under_test.hpp"

namespace clab::harness {

struct PmApp {
  std::unique_ptr<testkit::PmUnderTest> pm;
  std::uint16_t port = 0;
  std::string release;  // the wrapper script pm runs: app.sh in the PM_HOME's directory

  // Puts a new release on disk: app.sh runs clusterlab-app with `arguments` (flags), or
  // runs `arguments` as a whole command when it does not start with "--".
  void write_release(const std::string& arguments) const;
};

// Starts app 'api' with `instances` instances and the ecosystem fields in `extra`; on
// failure records why in `result` and returns nullopt.
std::optional<PmApp> start_pm_app(const CheckContext& context, CheckResult& result, int instances,
                                  const nlohmann::json& extra = nlohmann::json::object(),
                                  const std::string& arguments = "");

}  // namespace clab::harness
