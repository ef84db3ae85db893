#include "coord/coordinator.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <charconv>
#include <random>

#include "coord/redis_coordinator.hpp"
#include "coord/sqlite_coordinator.hpp"

namespace clab::coord {
namespace {

std::string random_owner_token() {
  std::random_device device;
  std::uniform_int_distribution<std::uint64_t> bits;
  return fmt::format("{}-{:016x}", ::getpid(), bits(device));
}

Error bad_spec(const std::string& spec, const std::string& why) {
  return Error{
      fmt::format("backend '{}': {}; expected sqlite:PATH or redis://HOST:PORT[/DB]", spec, why)};
}

Result<RedisAddress> parse_redis_url(const std::string& spec) {
  std::string rest = spec.substr(std::string("redis://").size());
  RedisAddress address;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    const std::string db = rest.substr(slash + 1);
    rest.resize(slash);
    auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), address.db);
    if (db.empty() || ec != std::errc() || end != db.data() + db.size() || address.db < 0 ||
        address.db > 15)
      return bad_spec(spec, fmt::format("database '{}' is not a number 0-15", db));
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad_spec(spec, "HOST:PORT is missing");
  address.host = rest.substr(0, colon);
  const std::string port = rest.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || address.port < 1 ||
      address.port > 65535)
    return bad_spec(spec, fmt::format("port '{}' is not a number 1-65535", port));
  return address;
}

}  // namespace

Coordinator::Coordinator() : owner_(random_owner_token()) {}

Result<std::unique_ptr<Coordinator>> open_coordinator(const std::string& spec, Millis timeout) {
  if (spec.starts_with("sqlite:")) {
    const std::string path = spec.substr(std::string("sqlite:").size());
    if (path.empty()) return bad_spec(spec, "the file path is empty");
    auto opened = SqliteCoordinator::open(path, timeout);
    if (!opened) return opened.error();
    return std::unique_ptr<Coordinator>(std::move(opened).value());
  }
  if (spec.starts_with("redis://")) {
    auto address = parse_redis_url(spec);
    if (!address) return address.error();
    auto opened = RedisCoordinator::open(address.value(), timeout);
    if (!opened) return opened.error();
    return std::unique_ptr<Coordinator>(std::move(opened).value());
  }
  return bad_spec(spec, "unknown backend");
}

std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace clab::coord
