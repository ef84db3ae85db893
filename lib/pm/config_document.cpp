#include "pm/config_document.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pm/object_literal_parser.hpp"
#include "proc/child_process.hpp"

namespace clab::pm {
namespace {

// A YAML node as JSON: plain scalars are typed as YAML 1.2's core schema types them, quoted
// ones stay strings.
nlohmann::json from_yaml(const YAML::Node& node, const std::string& pointer,
                         std::map<std::string, int>& lines) {
  lines[pointer] = node.Mark().line + 1;
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& item : node) {
        const std::string key = item.first.as<std::string>();
        object[key] = from_yaml(item.second, child_pointer(pointer, key), lines);
      }
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (std::size_t i = 0; i < node.size(); ++i)
        array.push_back(from_yaml(node[i], child_pointer(pointer, std::to_string(i)), lines));
      return array;
    }
    case YAML::NodeType::Scalar: {
      const std::string text = node.Scalar();
      if (node.Tag() == "!") return text;  // quoted
      if (text == "true" || text == "false") return text == "true";
      if (text == "null" || text == "~") return nullptr;
      const auto number = nlohmann::json::parse(text, nullptr, false);
      if (!number.is_discarded() && number.is_number()) return number;
      return text;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
  }
  return nullptr;
}

// Runs node on the file and reads the JSON it prints of module.exports.
Result<ConfigDocument> evaluate_with_node(const std::string& path, const Error& why) {
  const std::string absolute = std::filesystem::absolute(path).string();
  auto node = proc::ChildProcess::spawn(
      {.argv = {"node", "-e", "process.stdout.write(JSON.stringify(require(process.argv[1])))",
                absolute},
       .merge_stderr = true});
  const auto refuse = [&](const std::string& because) {
    return Error{fmt::format("{}; {}", why.message, because)};
  };
  if (!node) return refuse("pm cannot read that without node");
  const auto status = (*node)->wait(std::chrono::seconds(10));
  (void)(*node)->wait_for_output_end(std::chrono::seconds(2));
  const auto lines = (*node)->lines();
  if (!status) return refuse("node did not finish evaluating it within 10 s");
  if (status->code == 127) {
    return refuse("pm reads only object literals, and node is not on PATH to evaluate it");
  }
  std::string text;
  for (const auto& line : lines)
    text += line + "\n";
  if (status->code != 0) {
    std::string last = "it failed";
    for (const auto& line : lines) {
      if (line.find("Error") != std::string::npos) {
        last = line;
        break;
      }
    }
    return Error{fmt::format("{}: node could not evaluate it: {}", path, last)};
  }
  ConfigDocument document{.path = path, .evaluated = true};
  document.root = nlohmann::json::parse(text, nullptr, false);
  if (document.root.is_discarded()) {
    return Error{fmt::format("{}: node printed no JSON for its module.exports", path)};
  }
  return document;
}

}  // namespace

int ConfigDocument::line_of(const std::string& pointer) const {
  for (std::string p = pointer;; p = p.substr(0, p.rfind('/'))) {
    if (const auto it = lines.find(p); it != lines.end()) return it->second;
    if (p.empty()) return 0;
  }
}

std::string shown_value(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', /*ensure_ascii=*/true);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

bool whole_number_in(const nlohmann::json& value, std::int64_t low, std::int64_t high) {
  if (value.is_number_unsigned()) {
    const auto n = value.get<std::uint64_t>();
    return high >= 0 && n <= static_cast<std::uint64_t>(high) &&
           (low <= 0 || n >= static_cast<std::uint64_t>(low));
  }
  return value.is_number_integer() && value.get<std::int64_t>() >= low &&
         value.get<std::int64_t>() <= high;
}

std::string ConfigDocument::where(const std::string& pointer) const {
  const int line = line_of(pointer);
  return line > 0 ? fmt::format("{}:{}", path, line) : path;
}

Result<ConfigDocument> parse_json_document(const std::string& path, const std::string& text) {
  ObjectLiteralParser parser(path, text, /*strict_json=*/true);
  std::size_t offset = 0;
  auto root = parser.value(offset, "");
  if (!root) return root.error();
  offset = parser.skip_space(offset);
  if (offset < text.size()) return parser.error_at(offset, "text after the JSON value");
  return ConfigDocument{.path = path, .root = std::move(root.value()), .lines = parser.lines()};
}

Result<ConfigDocument> parse_yaml_document(const std::string& path, const std::string& text) {
  try {
    const YAML::Node node = YAML::Load(text);
    ConfigDocument document{.path = path};
    document.root = from_yaml(node, "", document.lines);
    return document;
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}:{}: {}", path, e.mark.line + 1, e.msg)};
  }
}

Result<ConfigDocument> parse_commonjs_document(const std::string& path, const std::string& text) {
  ObjectLiteralParser parser(path, text, /*strict_json=*/false);
  std::size_t offset = parser.skip_space(0);
  for (const std::string directive : {"'use strict';", "\"use strict\";"}) {
    if (text.compare(offset, directive.size(), directive) == 0) {
      offset = parser.skip_space(offset + directive.size());
    }
  }
  const std::string exports = "module.exports";
  if (text.compare(offset, exports.size(), exports) != 0) {
    return parser.error_at(offset, "expected 'module.exports = {' (code before it computes)",
                           kNeedsEvaluation);
  }
  offset = parser.skip_space(offset + exports.size());
  if (offset >= text.size() || text[offset] != '=') {
    return parser.error_at(offset, "expected '=' after module.exports");
  }
  auto root = parser.value(++offset, "");
  if (!root) return root.error();
  offset = parser.skip_space(offset);
  if (offset < text.size() && text[offset] == ';') offset = parser.skip_space(offset + 1);
  if (offset < text.size()) {
    return parser.error_at(offset, "code after module.exports computes", kNeedsEvaluation);
  }
  return ConfigDocument{.path = path, .root = std::move(root.value()), .lines = parser.lines()};
}

Result<ConfigDocument> read_config_document(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_error(fmt::format("{}: cannot read", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (path.ends_with(".json")) return parse_json_document(path, text);
  if (path.ends_with(".yaml") || path.ends_with(".yml")) return parse_yaml_document(path, text);
  if (path.ends_with(".js") || path.ends_with(".cjs")) {
    auto document = parse_commonjs_document(path, text);
    if (!document && document.error().code == kNeedsEvaluation) {
      return evaluate_with_node(path, document.error());
    }
    return document;
  }
  return Error{fmt::format("{}: expected a .json, .yaml, .yml, .js or .cjs file", path)};
}

}  // namespace clab::pm
