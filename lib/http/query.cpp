#include "http/query.hpp"

#include <fmt/format.h>

#include <charconv>

namespace clab::http {

Result<long> parse_bounded_integer(const std::string& name, const std::string& text, long max) {
  long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    return Error{fmt::format("{}={:?}: expected a whole number from 0 to {}", name, text, max)};
  }
  if (ec == std::errc::result_out_of_range || value < 0 || value > max) {
    return Error{fmt::format("{}={}: out of range, expected 0 to {}", name, text, max)};
  }
  return value;
}

Result<long> integer_param(const Request& request, const std::string& name, long fallback,
                           long max) {
  const auto value = request.query_param(name);
  if (!value) return fallback;
  return parse_bounded_integer(name, *value, max);
}

}  // namespace clab::http
