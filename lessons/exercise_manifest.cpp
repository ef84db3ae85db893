#include "exercise_manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "core/file_text.hpp"
#include "core/parse_number.hpp"
#include "trim.hpp"

namespace clab::lessons {
namespace {

namespace fs = std::filesystem;

Error manifest_error(const std::string& path, int line, const std::string& what) {
  return Error{fmt::format("{}:{}: {}", path, line, what)};
}

// Checks what a section must have, once it has been read whole.
Status complete(const Exercise& e, const std::string& path, int line) {
  if (e.title.empty()) return manifest_error(path, line, fmt::format("[{}] has no title", e.name));
  if (e.file.empty()) return manifest_error(path, line, fmt::format("[{}] has no file", e.name));
  if (e.check.empty()) return manifest_error(path, line, fmt::format("[{}] has no check", e.name));
  if (!fs::exists(e.file)) {
    return manifest_error(path, line, fmt::format("[{}] file '{}' does not exist", e.name, e.file));
  }
  return {};
}

Result<std::vector<Exercise>> parse_manifest(const std::string& path, int lesson) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  const std::string directory = fs::path(path).parent_path().string();
  static const std::regex section(R"(\[([a-z0-9][a-z0-9-]*)\])");
  std::vector<Exercise> exercises;
  std::istringstream in(text.value());
  std::string raw;
  int number = 0, section_line = 0;
  while (std::getline(in, raw)) {
    ++number;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    std::smatch match;
    if (std::regex_match(line, match, section)) {
      if (!exercises.empty()) {
        if (auto ok = complete(exercises.back(), path, section_line); !ok) return ok.error();
      }
      exercises.push_back({.name = match[1], .lesson = lesson, .directory = directory});
      section_line = number;
      continue;
    }
    if (exercises.empty()) {
      return manifest_error(path, number,
                            fmt::format("'{}' before the first [exercise-name] line", line));
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      return manifest_error(path, number, fmt::format("expected 'key: value', got '{}'", line));
    }
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    auto& e = exercises.back();
    if (key == "title") {
      e.title = value;
    } else if (key == "file") {
      e.file = directory + "/" + value;
      e.solution = directory + "/solutions/" + value;
    } else if (key == "program") {
      e.program = value;
    } else if (key == "check") {
      e.check = value;
    } else if (key == "hint") {
      e.hints.push_back(value);
    } else if (key == "timeout") {
      const auto seconds = parse_whole_number(value.c_str());
      if (!seconds || *seconds <= 0 || *seconds > 3600) {
        return manifest_error(
            path, number, fmt::format("timeout '{}': expected whole seconds, 1 to 3600", value));
      }
      e.timeout_s = static_cast<int>(*seconds);
    } else {
      return manifest_error(path, number,
                            fmt::format("unknown key '{}' (expected title, file, program, "
                                        "check, timeout or hint)",
                                        key));
    }
  }
  if (exercises.empty()) return manifest_error(path, number, "no [exercise-name] section");
  if (auto ok = complete(exercises.back(), path, section_line); !ok) return ok.error();
  return exercises;
}

}  // namespace

bool Exercise::built() const {
  return fs::path(file).extension() == ".cpp";
}

std::string Exercise::relative_file() const {
  const fs::path dir(directory);
  return (fs::path("exercises") / dir.filename() / fs::path(file).filename()).string();
}

Result<std::vector<Exercise>> load_exercises(const std::string& root) {
  static const std::regex folder(R"(([0-9]{2})-[a-z0-9-]+)");
  std::error_code ec;
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_directory() && std::regex_match(entry.path().filename().string(), folder))
      folders.push_back(entry.path());
  }
  if (ec) return Error{fmt::format("{}: {}", root, ec.message())};
  std::sort(folders.begin(), folders.end());
  std::vector<Exercise> all;
  for (const auto& dir : folders) {
    const std::string manifest = (dir / "manifest").string();
    if (!fs::exists(manifest)) return Error{fmt::format("{}: no manifest", dir.string())};
    auto exercises = parse_manifest(manifest, std::stoi(dir.filename().string().substr(0, 2)));
    if (!exercises) return exercises.error();
    for (auto& e : exercises.value()) {
      if (std::any_of(all.begin(), all.end(), [&](const Exercise& x) { return x.name == e.name; }))
        return Error{fmt::format("{}: exercise '{}' is named twice", manifest, e.name)};
      all.push_back(std::move(e));
    }
  }
  if (all.empty()) return Error{fmt::format("{}: no exercises (no NN-topic folders)", root)};
  return all;
}

}  // namespace clab::lessons
