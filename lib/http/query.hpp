// Parsing of numeric query parameters, so a bad value becomes a 400 with a reason.
#pragma once

#include <string>

#include "core/error.hpp"
#include "http/message.hpp"

namespace clab::http {

// The parameter `name` as a whole number in [0, max]; `fallback` when it is absent.
// Errors name the parameter, the value and the allowed range.
Result<long> integer_param(const Request& request, const std::string& name, long fallback,
                           long max);

// The same check on a bare string.
Result<long> parse_bounded_integer(const std::string& name, const std::string& text, long max);

}  // namespace clab::http
