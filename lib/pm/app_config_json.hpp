// AppConfig as JSON: what the CLI sends the daemon (the file is read and checked by the
// CLI, so a broken file never reaches it) and what `pm save` writes to dump.json. Field
// names are PM2's; a missing field keeps its default.
#pragma once

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "pm/ecosystem.hpp"

namespace clab::pm {

nlohmann::json to_json(const AppConfig& app);
// Fails naming the first field with the wrong type.
Result<AppConfig> app_from_json(const nlohmann::json& json);

}  // namespace clab::pm
