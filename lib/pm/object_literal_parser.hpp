// ObjectLiteralParser: reads a JavaScript object literal (or, strict, a JSON text) into
// JSON, recording the line of every value by its JSON pointer. JavaScript mode takes what
// an ecosystem file written by hand has: // and /* */ comments, single or double quotes,
// unquoted keys, trailing commas, template strings without ${}. Anything that computes a
// value (a call, a variable, ${}, a spread, an operator) is refused with kNeedsEvaluation.
// Invariant: a successful parse consumed the whole value and nothing else.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"

namespace clab::pm {

// Error::code of a file that computes its values: only node can read it.
inline constexpr int kNeedsEvaluation = 1001;

class ObjectLiteralParser {
 public:
  ObjectLiteralParser(std::string path, const std::string& text, bool strict_json)
      : path_(std::move(path)), text_(text), strict_(strict_json) {}

  // Parses one value starting at `offset`; on success `offset` is just past it.
  Result<nlohmann::json> value(std::size_t& offset, const std::string& pointer);
  // Skips white space and (in JavaScript mode) comments; returns the offset reached.
  std::size_t skip_space(std::size_t offset) const;
  int line_at(std::size_t offset) const;
  Error error_at(std::size_t offset, const std::string& what, int code = 0) const;

  std::map<std::string, int>& lines() { return lines_; }

 private:
  Result<nlohmann::json> object(std::size_t& offset, const std::string& pointer);
  Result<nlohmann::json> array(std::size_t& offset, const std::string& pointer);
  Result<std::string> string(std::size_t& offset);
  Result<nlohmann::json> number(std::size_t& offset);
  Result<std::string> key(std::size_t& offset);
  // After an item of an object or array: a ',' (moved past), or `closer` (left for the
  // caller); anything else is the error.
  Status after_item(std::size_t& offset, char closer) const;

  std::string path_;
  const std::string& text_;
  bool strict_;
  std::map<std::string, int> lines_;
};

// "/apps/0" + "name" -> "/apps/0/name", with JSON pointer escaping.
std::string child_pointer(const std::string& parent, const std::string& key);

}  // namespace clab::pm
