#include "cluster/environment.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace clab::cluster {

bool is_worker() {
  return std::getenv(kEnvWorkerId) != nullptr;
}
bool is_primary() {
  return !is_worker();
}

std::optional<long> env_integer(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  long value = 0;
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace clab::cluster
