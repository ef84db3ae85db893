#include "cluster/environment.hpp"

#include <cstdlib>

#include "core/parse_number.hpp"

namespace clab::cluster {

bool is_worker() {
  return std::getenv(kEnvWorkerId) != nullptr;
}
bool is_primary() {
  return !is_worker();
}

std::optional<long> env_integer(const char* name) {
  const auto value = parse_whole_number(std::getenv(name));
  if (!value) return std::nullopt;
  return static_cast<long>(*value);
}

}  // namespace clab::cluster
