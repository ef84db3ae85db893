#include "lesson_runner.hpp"

#include <signal.h>

#include <fmt/format.h>

#include <cstdlib>
#include <regex>

namespace clab::lessons {
namespace {

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

}  // namespace

LessonRunner::~LessonRunner() {
  stop_all_background();
}

void LessonRunner::say(const std::string& text) {
  std::lock_guard lock(print_mutex_);
  fmt::print(options_.out, "{}", text);
  std::fflush(options_.out);
}

bool LessonRunner::fail(const Step& step, const std::string& why) {
  say(fmt::format("  ✗ {}\n    (step '{}' at {}:{})\n", why, step.title, lesson_path_, step.line));
  return false;
}

bool LessonRunner::run(const Lesson& lesson) {
  lesson_path_ = lesson.path;
  say(fmt::format("\n━━ Lesson {}: {} ━━\n", lesson.number, lesson.title));
  bool ok = true;
  for (std::size_t i = 0; i < lesson.steps.size() && ok; ++i) {
    const Step& step = lesson.steps[i];
    say(step.prose);
    if (!pause_before(step, i, lesson.steps.size())) {
      say("\nLesson left before the end.\n");
      stop_all_background();
      return true;
    }
    ok = run_step(step);
  }
  if (ok) say(lesson.closing);
  stop_all_background();
  say(ok ? fmt::format("━━ Lesson {} complete: {} steps passed ━━\n", lesson.number,
                       lesson.steps.size())
         : fmt::format("━━ Lesson {} stopped at a failed step ━━\n", lesson.number));
  return ok;
}

bool LessonRunner::pause_before(const Step& step, std::size_t index, std::size_t total) {
  say(fmt::format("▶ Step {}/{}: {}\n", index + 1, total, step.title));
  if (options_.auto_mode || options_.in == nullptr) return true;
  say("  [Enter] run it, [q] quit: ");
  std::string answer;
  if (!std::getline(*options_.in, answer)) return true;  // no more input: carry on
  return answer != "q";
}

bool LessonRunner::run_step(const Step& step) {
  if (step.run && !run_foreground(step, *step.run)) return false;
  if (step.start && !start_background(step)) return false;
  for (const auto& expectation : step.waits) {
    if (!wait_for(step, expectation.background, expectation)) return false;
  }
  if (step.stop && !stop_background(step, *step.stop)) return false;
  return true;
}

std::vector<std::pair<std::string, std::string>> LessonRunner::environment() const {
  std::vector<std::pair<std::string, std::string>> env(variables_.begin(), variables_.end());
  const char* path = std::getenv("PATH");
  env.emplace_back("PATH", options_.bin_dir + ":" + (path ? path : "/usr/bin:/bin"));
  return env;
}

std::string LessonRunner::substitute(const std::string& pattern) const {
  std::string out = pattern;
  for (const auto& [name, value] : variables_) {
    const std::string token = "${" + name + "}";
    for (auto pos = out.find(token); pos != std::string::npos; pos = out.find(token)) {
      out.replace(pos, token.size(), regex_escape(value));
    }
  }
  return out;
}

void LessonRunner::capture(const Expectation& expectation, const std::vector<std::string>& groups) {
  for (std::size_t i = 0; i < expectation.capture.size() && i + 1 < groups.size(); ++i) {
    variables_[expectation.capture[i]] = groups[i + 1];
  }
}

bool LessonRunner::run_foreground(const Step& step, const std::string& command) {
  say(fmt::format("  $ {}\n", command));
  auto child = proc::ChildProcess::spawn(
      {.argv = {"bash", "-c", command},
       .env = environment(),
       .merge_stderr = true,
       .on_line = [this](const std::string& line) { say(fmt::format("  │ {}\n", line)); }});
  if (!child) return fail(step, child.error().message);
  const auto status = (*child)->wait(std::chrono::seconds(step.timeout_s));
  if (!status) return fail(step, fmt::format("still running after {} s", step.timeout_s));
  (void)(*child)->wait_for_output_end(std::chrono::seconds(2));  // all of it, before matching
  if (status->code != step.exit_status) {
    return fail(step, fmt::format("exited with {}, expected code {}", status->describe(),
                                  step.exit_status));
  }
  const auto lines = (*child)->lines();
  for (const auto& expectation : step.expect) {
    const std::regex pattern(substitute(expectation.pattern));
    std::smatch match;
    const auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return std::regex_search(line, match, pattern);
    });
    if (it == lines.end()) {
      return fail(step, fmt::format("no output line matches /{}/", expectation.pattern));
    }
    capture(expectation, std::vector<std::string>(match.begin(), match.end()));
    say(fmt::format("  ✓ saw /{}/\n", expectation.pattern));
  }
  return true;
}

bool LessonRunner::start_background(const Step& step) {
  const auto& [name, command] = *step.start;
  if (background_.count(name)) return fail(step, fmt::format("'{}' is already running", name));
  say(fmt::format("  $ {} &    (runs in the background as '{}')\n", command, name));
  auto child = proc::ChildProcess::spawn({.argv = {"bash", "-c", "exec " + command},
                                          .env = environment(),
                                          .merge_stderr = true,
                                          .on_line = [this, name = name](const std::string& line) {
                                            say(fmt::format("  │ [{}] {}\n", name, line));
                                          }});
  if (!child) return fail(step, child.error().message);
  background_[name].process = std::move(child.value());
  for (const auto& expectation : step.expect) {
    if (!wait_for(step, name, expectation)) return false;
  }
  return true;
}

bool LessonRunner::wait_for(const Step& step, const std::string& name,
                            const Expectation& expectation) {
  const std::string& raw = expectation.pattern;
  auto it = background_.find(name);
  if (it == background_.end()) return fail(step, fmt::format("no background process '{}'", name));
  const std::regex pattern(substitute(raw));
  auto match = it->second.process->wait_for_line(pattern, &it->second.cursor,
                                                 std::chrono::seconds(step.timeout_s));
  if (!match) {
    return fail(step, fmt::format("'{}' printed no line matching /{}/ within {} s", name, raw,
                                  step.timeout_s));
  }
  capture(expectation, *match);
  say(fmt::format("  ✓ [{}] saw /{}/\n", name, raw));
  return true;
}

bool LessonRunner::stop_background(const Step& step, const std::string& name) {
  auto it = background_.find(name);
  if (it == background_.end()) return fail(step, fmt::format("no background process '{}'", name));
  say(fmt::format("  $ kill -TERM {}    ('{}')\n", it->second.process->pid(), name));
  it->second.process->signal(SIGTERM);
  const auto status = it->second.process->wait(std::chrono::seconds(step.timeout_s));
  if (!status)
    return fail(step, fmt::format("'{}' did not exit within {} s", name, step.timeout_s));
  (void)it->second.process->wait_for_output_end(std::chrono::seconds(2));
  if (!step.run) {  // a stop step's expectations are about the stopped process's last words
    for (const auto& expectation : step.expect) {
      if (!wait_for(step, name, expectation)) return false;
    }
  }
  const auto leftovers = proc::processes_in_group(it->second.process->process_group());
  background_.erase(it);
  if (status->code != step.exit_status) {
    return fail(step, fmt::format("'{}' exited with {}, expected code {}", name, status->describe(),
                                  step.exit_status));
  }
  if (!leftovers.empty()) {
    return fail(step,
                fmt::format("{} processes of '{}' remain after it exited", leftovers.size(), name));
  }
  say(fmt::format("  ✓ '{}' exited with {}; none of its processes remain\n", name,
                  status->describe()));
  return true;
}

void LessonRunner::stop_all_background() {
  for (auto& [name, background] : background_) {
    background.process->signal(SIGTERM);
    (void)background.process->wait(std::chrono::seconds(5));
  }
  background_.clear();  // destructors SIGKILL whatever is left in each group
}

}  // namespace clab::lessons
