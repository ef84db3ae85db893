#include "load/url.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <string_view>

namespace clab::load {
namespace {

// RFC 3986: what may stand in a path or query as it is; '%' is kept, as a URL may already be
// encoded.
bool allowed_in_target(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::string_view("-._~!$&'()*+,;=:@/?%").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

}  // namespace

std::string encode_request_target(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (allowed_in_target(c)) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

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
  target.path = encode_request_target(target.path.substr(0, target.path.find('#')));
  if (target.path.front() == '?') target.path = "/" + target.path;
  if (authority.find('@') != std::string::npos) return bad("user information is not supported");
  std::size_t host_end = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {  // an IPv6 literal: [::1]:8080
    const auto close = authority.find(']');
    if (close == std::string::npos) return bad("expected ']' after the IPv6 address");
    target.host = authority.substr(1, close - 1);
    host_end = close + 1 < authority.size() ? close + 1 : std::string::npos;
    if (host_end != std::string::npos && authority[host_end] != ':') {
      return bad("expected ':port' after the IPv6 address");
    }
  } else {
    target.host = authority.substr(0, host_end);
  }
  if (target.host.empty()) return bad("expected a host after http://");
  if (host_end != std::string::npos) {
    const std::string port_text = authority.substr(host_end + 1);
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
