// AppConfig as JSON, its resolved form: what the CLI sends the daemon and what `pm save`
// writes to dump.json. Field names are PM2's, the file's (ecosystem.hpp), plus `port`,
// `watch_paths` and `environment`; a missing field keeps its default. The CLI checks the
// file, but the daemon trusts no request: app_from_json checks every field with the file's
// own readers, and the first wrong one is the error.
#pragma once

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "pm/ecosystem.hpp"

namespace clab::pm {

nlohmann::json to_json(const AppConfig& app);

struct ResolvedApp {
  AppConfig config;
  std::vector<std::string> environment;  // NAME=value: the whole environment it starts with
};
// `source` names where the JSON came from, for the message ("start request", a dump.json
// path); `pointer` is the app's place in `document` ("/apps/0").
Result<ResolvedApp> app_from_json(const ConfigDocument& document, const std::string& pointer,
                                  int cores);

}  // namespace clab::pm
