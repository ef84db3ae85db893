// RunRecord <-> JSON: how the Redis backend stores a run and how programs print one.
#pragma once

#include <nlohmann/json.hpp>

#include "coord/coordinator.hpp"

namespace clab::coord {

void to_json(nlohmann::json& j, const RunRecord& run);
void from_json(const nlohmann::json& j, RunRecord& run);

}  // namespace clab::coord
