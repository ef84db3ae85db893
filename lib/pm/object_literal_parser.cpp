#include "pm/object_literal_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace clab::pm {
namespace {

bool is_identifier_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool is_identifier_char(char c) {
  return is_identifier_start(c) || std::isdigit(static_cast<unsigned char>(c));
}

}  // namespace

std::string child_pointer(const std::string& parent, const std::string& key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return parent + "/" + escaped;
}

int ObjectLiteralParser::line_at(std::size_t offset) const {
  const auto end = text_.begin() + static_cast<std::ptrdiff_t>(std::min(offset, text_.size()));
  return 1 + static_cast<int>(std::count(text_.begin(), end, '\n'));
}

Error ObjectLiteralParser::error_at(std::size_t offset, const std::string& what, int code) const {
  return Error{fmt::format("{}:{}: {}", path_, line_at(offset), what), code};
}

std::size_t ObjectLiteralParser::skip_space(std::size_t offset) const {
  while (offset < text_.size()) {
    const char c = text_[offset];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++offset;
    } else if (!strict_ && text_.compare(offset, 2, "//") == 0) {
      offset = text_.find('\n', offset);
      if (offset == std::string::npos) return text_.size();
    } else if (!strict_ && text_.compare(offset, 2, "/*") == 0) {
      const auto end = text_.find("*/", offset + 2);
      offset = end == std::string::npos ? text_.size() : end + 2;
    } else {
      break;
    }
  }
  return offset;
}

Result<nlohmann::json> ObjectLiteralParser::value(std::size_t& offset, const std::string& pointer) {
  offset = skip_space(offset);
  if (offset >= text_.size()) return error_at(offset, "the file ends where a value was expected");
  lines_[pointer] = line_at(offset);
  const char c = text_[offset];
  if (c == '{') return object(offset, pointer);
  if (c == '[') return array(offset, pointer);
  if (c == '"' || (!strict_ && (c == '\'' || c == '`'))) {
    auto text = string(offset);
    if (!text) return text.error();
    return nlohmann::json(text.value());
  }
  if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return number(offset);
  if (!strict_ && text_.compare(offset, 3, "...") == 0) {
    return error_at(offset, "a spread (...) computes the value", kNeedsEvaluation);
  }
  if (is_identifier_start(c)) {
    std::size_t end = offset;
    while (end < text_.size() && is_identifier_char(text_[end]))
      ++end;
    const std::string word = text_.substr(offset, end - offset);
    offset = end;
    if (word == "true") return nlohmann::json(true);
    if (word == "false") return nlohmann::json(false);
    if (word == "null" || (!strict_ && word == "undefined")) return nlohmann::json(nullptr);
    if (strict_) return error_at(end - word.size(), fmt::format("'{}' is not a JSON value", word));
    return error_at(end - word.size(),
                    fmt::format("'{}' is computed (a variable, a call or require)", word),
                    kNeedsEvaluation);
  }
  return error_at(offset, fmt::format("unexpected '{}' where a value was expected", c));
}

Result<nlohmann::json> ObjectLiteralParser::object(std::size_t& offset,
                                                   const std::string& pointer) {
  nlohmann::json result = nlohmann::json::object();
  ++offset;  // {
  for (;;) {
    offset = skip_space(offset);
    if (offset < text_.size() && text_[offset] == '}') {
      ++offset;
      return result;
    }
    auto name = key(offset);
    if (!name) return name.error();
    offset = skip_space(offset);
    if (offset >= text_.size() || text_[offset] != ':') {
      return error_at(offset, fmt::format("expected ':' after the key '{}'", name.value()));
    }
    ++offset;
    const std::string member = child_pointer(pointer, name.value());
    auto item = value(offset, member);
    if (!item) return item.error();
    result[name.value()] = std::move(item.value());
    if (auto next = after_item(offset, '}'); !next) return next.error();
  }
}

Status ObjectLiteralParser::after_item(std::size_t& offset, char closer) const {
  offset = skip_space(offset);
  if (offset < text_.size() && text_[offset] == ',') {
    ++offset;
    const std::size_t next = skip_space(offset);
    if (strict_ && next < text_.size() && text_[next] == closer) {
      return error_at(offset, "a trailing comma is not JSON");
    }
    return {};
  }
  if (offset < text_.size() && text_[offset] == closer) return {};
  if (!strict_ && offset < text_.size() &&
      std::string_view("(+`?").find(text_[offset]) != std::string_view::npos) {
    return error_at(offset, "an expression computes the value", kNeedsEvaluation);
  }
  return error_at(offset, fmt::format("expected ',' or '{}' after a value", closer));
}

Result<nlohmann::json> ObjectLiteralParser::array(std::size_t& offset, const std::string& pointer) {
  nlohmann::json result = nlohmann::json::array();
  ++offset;  // [
  for (;;) {
    offset = skip_space(offset);
    if (offset < text_.size() && text_[offset] == ']') {
      ++offset;
      return result;
    }
    auto item = value(offset, child_pointer(pointer, std::to_string(result.size())));
    if (!item) return item.error();
    result.push_back(std::move(item.value()));
    if (auto next = after_item(offset, ']'); !next) return next.error();
  }
}

Result<std::string> ObjectLiteralParser::key(std::size_t& offset) {
  if (offset >= text_.size()) return error_at(offset, "the file ends inside an object");
  const char c = text_[offset];
  if (c == '"' || (!strict_ && c == '\'')) return string(offset);
  if (!strict_ && c == '[') {
    return error_at(offset, "a computed key ([...]) computes the value", kNeedsEvaluation);
  }
  if (!strict_ && text_.compare(offset, 3, "...") == 0) {
    return error_at(offset, "a spread (...) computes the value", kNeedsEvaluation);
  }
  if (!strict_ && is_identifier_start(c)) {
    const std::size_t start = offset;
    while (offset < text_.size() && is_identifier_char(text_[offset]))
      ++offset;
    return text_.substr(start, offset - start);
  }
  return error_at(offset, strict_ ? "expected a key in double quotes"
                                  : fmt::format("unexpected '{}' where a key was expected", c));
}

Result<std::string> ObjectLiteralParser::string(std::size_t& offset) {
  const char quote = text_[offset];
  const std::size_t start = offset++;
  std::string out;
  while (offset < text_.size() && text_[offset] != quote) {
    char c = text_[offset];
    if (quote == '`' && text_.compare(offset, 2, "${") == 0) {
      return error_at(offset, "a template string with ${...} computes the value", kNeedsEvaluation);
    }
    if (c == '\n' && quote != '`') return error_at(start, "a string is not closed on its line");
    if (c == '\\' && offset + 1 < text_.size()) {
      const char e = text_[++offset];
      switch (e) {
        case 'n':
          c = '\n';
          break;
        case 't':
          c = '\t';
          break;
        case 'r':
          c = '\r';
          break;
        case 'u': {
          if (offset + 4 >= text_.size()) return error_at(offset, "a \\u escape is cut short");
          const unsigned code = std::stoul(text_.substr(offset + 1, 4), nullptr, 16);
          offset += 4;
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          ++offset;
          continue;
        }
        default:
          c = e;
      }
    }
    out += c;
    ++offset;
  }
  if (offset >= text_.size()) return error_at(start, "a string is not closed");
  ++offset;  // closing quote
  return out;
}

Result<nlohmann::json> ObjectLiteralParser::number(std::size_t& offset) {
  const std::size_t start = offset;
  if (text_[offset] == '-') ++offset;
  while (offset < text_.size() &&
         (std::isdigit(static_cast<unsigned char>(text_[offset])) || text_[offset] == '.' ||
          text_[offset] == 'e' || text_[offset] == 'E' ||
          ((text_[offset] == '+' || text_[offset] == '-') &&
           (text_[offset - 1] == 'e' || text_[offset - 1] == 'E')))) {
    ++offset;
  }
  if (!strict_ && offset < text_.size() && text_[offset] == '_') {
    while (offset < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[offset])) || text_[offset] == '_'))
      ++offset;
  }
  std::string digits = text_.substr(start, offset - start);
  digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
  const auto parsed = nlohmann::json::parse(digits, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_number()) {
    return error_at(start, fmt::format("'{}' is not a number", digits));
  }
  return parsed;
}

}  // namespace clab::pm
