#include "load/url.hpp"

#include <fmt/format.h>

#include <charconv>

namespace clab::load {

Result<Target> parse_url(const std::string& url) {
  auto bad = [&](const std::string& why) { return Error{fmt::format("URL '{}': {}", url, why)}; };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return bad("expected http://host[:port]/path");
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme == "https") return bad("https is not supported, only http://");
  if (scheme != "http")
    return bad(fmt::format("scheme '{}' is not supported, only http://", scheme));

  const std::size_t authority_start = scheme_end + 3;
  const std::size_t path_start = url.find_first_of("/?", authority_start);
  const std::string authority =
      url.substr(authority_start, path_start == std::string::npos ? std::string::npos
                                                                  : path_start - authority_start);
  Target target;
  target.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (target.path.front() == '?') target.path = "/" + target.path;
  if (authority.find('@') != std::string::npos) return bad("user information is not supported");
  const auto colon = authority.rfind(':');
  target.host = authority.substr(0, colon);
  if (target.host.empty()) return bad("expected a host after http://");
  if (colon != std::string::npos) {
    const std::string port_text = authority.substr(colon + 1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
        value == 0 || value > 65535) {
      return bad(fmt::format("port '{}' is not a number from 1 to 65535", port_text));
    }
    target.port = static_cast<std::uint16_t>(value);
  }
  target.host_header = authority;
  return target;
}

}  // namespace clab::load
