#include "lesson_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "trim.hpp"

namespace clab::lessons {
namespace {

// "NAME rest" -> {NAME, rest}
std::pair<std::string, std::string> split_name(const std::string& value) {
  const auto space = value.find(' ');
  if (space == std::string::npos) return {value, {}};
  return {value.substr(0, space), trim(value.substr(space + 1))};
}

Status apply_key(Step& step, Expectation*& last, const std::string& key, const std::string& value,
                 const std::string& where) {
  auto bad = [&](const std::string& what) {
    return Error{fmt::format("{}: {} '{}': {}", where, key, value, what)};
  };
  auto check_regex = [&](const std::string& text) -> Status {
    try {
      // ${VAR} is filled in at run time; check the rest.
      std::regex probe(std::regex_replace(text, std::regex(R"(\$\{[A-Za-z_0-9]+\})"), "0"));
    } catch (const std::regex_error& e) {
      return bad(fmt::format("not a valid regular expression ({})", e.what()));
    }
    return {};
  };
  if (key == "title") {
    step.title = value;
  } else if (key == "run") {
    step.run = value;
  } else if (key == "start") {
    auto [name, command] = split_name(value);
    if (command.empty()) return bad("expected a name, then the command");
    step.start = {name, command};
  } else if (key == "expect") {
    if (auto s = check_regex(value); !s) return s;
    step.expect.push_back({{}, value, {}, {}});
    last = &step.expect.back();
  } else if (key == "wait") {
    auto [name, pattern] = split_name(value);
    if (pattern.empty()) return bad("expected a background name, then a regular expression");
    if (auto s = check_regex(pattern); !s) return s;
    step.waits.push_back({name, pattern, {}, {}});
    last = &step.waits.back();
  } else if (key == "capture") {
    if (last == nullptr) return bad("capture must follow the expect or wait it captures from");
    std::istringstream names(value);
    for (std::string n; names >> n;)
      last->capture.push_back(n);
  } else if (key == "as") {
    if (last == nullptr) return bad("as must follow the expect or wait it describes");
    last->description = value;
  } else if (key == "stop") {
    step.stop = value;
  } else if (key == "exit" || key == "timeout") {
    int number = 0;
    try {
      number = std::stoi(value);
    } catch (...) {
      return bad("expected a whole number");
    }
    (key == "exit" ? step.exit_status : step.timeout_s) = number;
  } else {
    return Error{fmt::format(
        "{}: unknown key '{}' (expected title, run, start, expect, wait, capture, as, stop, exit "
        "or timeout)",
        where, key)};
  }
  return {};
}

int number_from_name(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  int n = 0;
  for (char c : name) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

Result<Lesson> parse_lesson_text(const std::string& path, const std::string& text) {
  Lesson lesson;
  lesson.path = path;
  lesson.number = number_from_name(path);
  std::istringstream in(text);
  std::string line, prose;
  int number = 0;
  std::optional<Step> open;
  Expectation* last = nullptr;  // in the open step, the expectation a capture applies to
  while (std::getline(in, line)) {
    ++number;
    const std::string where = fmt::format("{}:{}", path, number);
    if (open) {
      if (trim(line) == "```") {
        if (!open->run && !open->start && open->waits.empty() && !open->stop) {
          return Error{fmt::format("{}: step has nothing to do (expected run, start, wait or stop)",
                                   fmt::format("{}:{}", path, open->line))};
        }
        lesson.steps.push_back(std::move(*open));
        open.reset();
        continue;
      }
      if (trim(line).empty()) continue;
      const auto colon = line.find(':');
      if (colon == std::string::npos) {
        return Error{fmt::format("{}: '{}' is not 'key: value'", where, trim(line))};
      }
      if (auto s = apply_key(*open, last, trim(line.substr(0, colon)), trim(line.substr(colon + 1)),
                             where);
          !s) {
        return s.error();
      }
      continue;
    }
    if (trim(line) == "```step") {
      open = Step{};
      open->expect.reserve(16);  // `last` points into these vectors
      open->waits.reserve(16);
      last = nullptr;
      open->line = number;
      open->prose = prose;
      prose.clear();
      continue;
    }
    if (lesson.title.empty() && line.rfind("# ", 0) == 0) {
      lesson.title = trim(line.substr(2));
      continue;
    }
    prose += line + "\n";
  }
  if (open) return Error{fmt::format("{}:{}: step block is not closed with ```", path, open->line)};
  if (lesson.title.empty()) return Error{fmt::format("{}: no '# Title' line", path)};
  lesson.closing = prose;
  return lesson;
}

Result<Lesson> parse_lesson_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_error("open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_lesson_text(path, text.str());
}

Result<std::vector<Lesson>> load_lessons(const std::string& directory) {
  std::vector<Lesson> lessons;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".md" || number_from_name(name) == 0) continue;
    auto lesson = parse_lesson_file(entry.path().string());
    if (!lesson) return lesson.error();
    lessons.push_back(std::move(lesson.value()));
  }
  if (ec) return Error{fmt::format("lessons directory {}: {}", directory, ec.message())};
  std::sort(lessons.begin(), lessons.end(), [](auto& a, auto& b) { return a.number < b.number; });
  return lessons;
}

}  // namespace clab::lessons
