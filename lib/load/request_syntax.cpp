#include "load/request_syntax.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace clab::load {
namespace {

// The text with control characters written as \r, \n, \xNN: fit for a one-line message.
std::string escaped(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

bool is_token(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

Status check_request_syntax(const std::string& method,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
  if (!is_token(method)) {
    return Error{
        fmt::format("-m '{}': a method is one word of letters, digits or "
                    "!#$%&'*+-.^_`|~, like GET or POST",
                    escaped(method))};
  }
  for (const auto& [name, value] : headers) {
    if (!is_token(name)) {
      return Error{
          fmt::format("-H '{}: {}': the header name '{}' is not one word of letters, "
                      "digits or !#$%&'*+-.^_`|~",
                      escaped(name), escaped(value), escaped(name))};
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Error{fmt::format("-H '{}: {}': a header value may not hold CR, LF or NUL",
                               escaped(name), escaped(value))};
    }
  }
  return {};
}

}  // namespace clab::load
