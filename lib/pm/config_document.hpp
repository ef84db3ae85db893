// ConfigDocument: a configuration file read into JSON, with the line each value came from,
// so that a message can say "ecosystem.config.js:11". Readers: JSON (strict), YAML
// (yaml-cpp), and a CommonJS file whose export is an object literal (read without Node;
// one that computes its values is evaluated with `node` when it is on PATH).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "pm/object_literal_parser.hpp"

namespace clab::pm {

struct ConfigDocument {
  std::string path;                  // as given, for messages
  nlohmann::json root;               // the value
  std::map<std::string, int> lines;  // JSON pointer ("/apps/0/name") -> 1-based line
  bool evaluated = false;            // produced by node: no lines

  // The line of the value at `pointer`, or of its nearest enclosing value; 0 if unknown.
  int line_of(const std::string& pointer) const;
  // "ecosystem.config.js:11" (or just the path when the line is unknown).
  std::string where(const std::string& pointer) const;
};

// A value as a message shows it: JSON, ASCII only (so it can be cut anywhere, and a line
// of a log stays valid UTF-8), at most 80 characters of it.
std::string shown_value(const nlohmann::json& value);

// `value` is a whole number from `low` to `high` (JSON keeps 0 and up unsigned: 2^64 - 1 is
// not -1 here).
bool whole_number_in(const nlohmann::json& value, std::int64_t low, std::int64_t high);

// By extension: .json, .yaml/.yml, .js/.cjs. Errors name the file, the line and what was
// expected.
Result<ConfigDocument> read_config_document(const std::string& path);

// The readers, on text already read (for tests).
Result<ConfigDocument> parse_json_document(const std::string& path, const std::string& text);
Result<ConfigDocument> parse_yaml_document(const std::string& path, const std::string& text);
// `module.exports = { ... }`. A file that computes (a call, require, a template string with
// ${}, a spread, a variable) is an Error whose code is kNeedsEvaluation, naming the line.
Result<ConfigDocument> parse_commonjs_document(const std::string& path, const std::string& text);

}  // namespace clab::pm
