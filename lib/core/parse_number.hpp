// Whole numbers from text that must be nothing else: "12" is 12; "12x", "", " 12" and a
// value out of range are nullopt (std::atoi would say 12, 0, 12 and something).
#pragma once

#include <charconv>
#include <cstring>
#include <optional>

namespace clab {

inline std::optional<long long> parse_whole_number(const char* text) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  long long value = 0;
  const char* end = text + std::strlen(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace clab
