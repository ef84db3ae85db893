// What loadgen refuses to put on the wire: a method that is not an HTTP token, a header name
// that is not one, and CR, LF or NUL in a header value (each would let one flag write a
// second header or a second request). Errors name the flag and show the value escaped.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace clab::load {

// RFC 9110 token: one or more of A-Z a-z 0-9 !#$%&'*+-.^_`|~
bool is_token(const std::string& text);

Status check_request_syntax(const std::string& method,
                            const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace clab::load
