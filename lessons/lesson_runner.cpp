#include "lesson_runner.hpp"

#include <signal.h>

#include <fmt/format.h>

#include <filesystem>

#include <fstream>

#include <cstdlib>
#include <regex>

#include "key_prompt.hpp"
#include "proc/exit_status.hpp"
#include "proc/process_table.hpp"

namespace clab::lessons {
namespace {

using namespace std::chrono_literals;

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

// A matched line as the learner reads it: trimmed, at most 90 columns.
std::string quoted(std::string line) {
  line.erase(0, line.find_first_not_of(" \t"));
  if (line.size() > 90) line = line.substr(0, 87) + "...";
  return "“" + line + "”";
}

}  // namespace

LessonRunner::~LessonRunner() {
  stop_all_background(false);
}

void LessonRunner::say(const std::string& text) {
  // Never throws: after SIGHUP the terminal is gone, and a failed write must not cut short
  // the clean-up that follows.
  std::lock_guard lock(print_mutex_);
  std::fwrite(text.data(), 1, text.size(), options_.out);
  std::fflush(options_.out);
}

bool LessonRunner::fail(const Step& step, const std::string& why) {
  if (interrupted() != 0) return false;  // the step was cut short: no verdict on it
  say(fmt::format("  ✗ {}\n    (step '{}' at {}:{})\n", why, step.title, lesson_path_, step.line));
  return false;
}

Outcome LessonRunner::run(const Lesson& lesson) {
  lesson_path_ = lesson.path;
  variables_.clear();
  step_reached_ = 0;
  auto directory = TempDirectory::create("clusterlab-lesson");
  if (!directory) {
    say(fmt::format("lesson: {}\n", directory.error().message));
    return Outcome::Failed;
  }
  directory_.emplace(std::move(directory.value()));
  variables_["LESSON_DIR"] = directory_->path();
  // pm keeps its daemon, socket and logs here: a lesson never touches the learner's own.
  variables_["PM_HOME"] = directory_->path() + "/pm";
  say(fmt::format("\n{}\n", bold(fmt::format("━━ Lesson {}: {} ━━", lesson.number, lesson.title),
                                 options_.style)));
  const Outcome outcome = run_steps(lesson);
  if (outcome == Outcome::Passed) say("\n" + render_markdown(lesson.closing, options_.style));
  wind_up(lesson, outcome);
  return outcome;
}

Outcome LessonRunner::run_steps(const Lesson& lesson) {
  for (std::size_t i = 0; i < lesson.steps.size(); ++i) {
    const Step& step = lesson.steps[i];
    step_reached_ = i + 1;
    if (const auto prose = render_markdown(step.prose, options_.style); !prose.empty()) {
      say("\n" + prose);
    }
    if (auto stop = pause_before(step, i, lesson.steps.size())) return *stop;
    const bool passed = run_step(step);
    if (interrupted() != 0) return Outcome::Interrupted;
    if (!passed) return Outcome::Failed;
  }
  return Outcome::Passed;
}

void LessonRunner::wind_up(const Lesson& lesson, Outcome outcome) {
  const std::string where = fmt::format("step {} of {}", step_reached_, lesson.steps.size());
  switch (outcome) {
    case Outcome::Passed:
      break;
    case Outcome::Failed:
      say(fmt::format("\nLesson {} stopped at a failed step ({}).\n", lesson.number, where));
      break;
    case Outcome::Left:
      say(fmt::format("\nLesson {} left at {}.\n", lesson.number, where));
      break;
    case Outcome::Interrupted:
      say(fmt::format("\nLesson {} interrupted by {} at {}.\n", lesson.number,
                      proc::signal_name(interrupted()), where));
      break;
  }
  const std::size_t left_running = stop_all_background(outcome != Outcome::Passed);
  if (directory_) {
    const std::string path = directory_->path();
    directory_.reset();
    if (outcome != Outcome::Passed) say(fmt::format("  removed the lesson's directory {}\n", path));
  }
  if (outcome == Outcome::Passed) {
    say(bold(fmt::format("━━ Lesson {} complete: {} steps passed ━━", lesson.number,
                         lesson.steps.size()),
             options_.style) +
        "\n");
  } else if (left_running == 0) {
    say("Nothing the lesson started is still running.\n");
  } else {
    say(fmt::format("{} processes the lesson started could not be stopped.\n", left_running));
  }
}

std::optional<Outcome> LessonRunner::pause_before(const Step& step, std::size_t index,
                                                  std::size_t total) {
  say(bold(fmt::format("▶ Step {}/{}: ", index + 1, total), options_.style) +
      render_inline(step.title, options_.style) + "\n");
  if (interrupted() != 0) return Outcome::Interrupted;
  if (options_.auto_mode || options_.in_fd < 0) return std::nullopt;
  say("  [Enter] run it, [q] quit: ");
  const Answer answer =
      KeyPrompt(options_.in_fd, options_.watch ? options_.watch->wake_fd() : -1).ask();
  say("\n");
  switch (answer) {
    case Answer::Run:
      return std::nullopt;
    case Answer::Quit:
      return Outcome::Left;
    case Answer::Interrupted:
      return Outcome::Interrupted;
  }
  return std::nullopt;
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
  // Our programs, then the lessons' own scripts (lessons/scripts), then the learner's PATH.
  const std::string scripts = std::filesystem::path(lesson_path_).parent_path() / "scripts";
  env.emplace_back("PATH",
                   options_.bin_dir + ":" + scripts + ":" + (path ? path : "/usr/bin:/bin"));
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

// "✓ saw the port number 40113" (its description and what it captured), or the line itself.
void LessonRunner::report_seen(const Expectation& expectation,
                               const std::vector<std::string>& groups, const std::string& who) {
  std::string what;
  if (expectation.description.empty()) {
    what = quoted(groups.empty() ? std::string() : groups[0]);
  } else {
    what = expectation.description;
    for (std::size_t i = 1; i < groups.size(); ++i)
      what += (i == 1 ? " " : ", ") + groups[i];
  }
  say(fmt::format("  ✓ {}saw {}\n", who, what));
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
  (void)(*child)->wait_for_output_end(2s);  // all of it, before matching
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
      return fail(
          step,
          fmt::format("no output line matches /{}/{}", expectation.pattern,
                      expectation.description.empty() ? "" : " (" + expectation.description + ")"));
    }
    std::vector<std::string> groups(match.begin(), match.end());
    groups[0] = *it;
    capture(expectation, groups);
    report_seen(expectation, groups, "");
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
  auto it = background_.find(name);
  if (it == background_.end()) return fail(step, fmt::format("no background process '{}'", name));
  const std::regex pattern(substitute(expectation.pattern));
  auto& background = it->second;
  auto match = background.process->wait_for_line(pattern, &background.cursor,
                                                 std::chrono::seconds(step.timeout_s));
  if (!match) {
    return fail(step, fmt::format("'{}' printed no line matching /{}/ within {} s", name,
                                  expectation.pattern, step.timeout_s));
  }
  match->front() = background.process->lines().at(background.cursor - 1);
  capture(expectation, *match);
  report_seen(expectation, *match, fmt::format("[{}] ", name));
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
  (void)it->second.process->wait_for_output_end(2s);
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

std::size_t LessonRunner::stop_all_background(bool report) {
  if (report && !background_.empty()) say("Stopping what the lesson started:\n");
  std::size_t left_running = 0;
  for (auto& [name, background] : background_) {
    background.process->signal(SIGTERM);
    const auto status = background.process->wait(5s);
    background.process->signal_group(SIGKILL);  // workers that outlived their primary
    left_running += proc::wait_until_group_stopped(background.process->process_group(), 2s).size();
    if (!report) continue;
    say(status ? fmt::format("  stopped '{}' (pid {}): it exited with {}\n", name,
                             background.process->pid(), status->describe())
               : fmt::format("  killed '{}' (pid {}): it did not exit within 5 s of SIGTERM\n",
                             name, background.process->pid()));
  }
  background_.clear();  // destructors reap each group's leader
  return left_running + stop_pm_daemon(report);
}

std::size_t LessonRunner::stop_pm_daemon(bool report) {
  // pm's daemon leads a session of its own, so no step's process group holds it; the
  // lesson's PM_HOME names it. SIGTERM to its group: the daemon and its apps drain.
  const auto home = variables_.find("PM_HOME");
  if (home == variables_.end()) return 0;
  std::ifstream pid_file(home->second + "/pm.pid");
  pid_t daemon = 0;
  pid_file >> daemon;
  if (daemon <= 0 || !proc::is_running(daemon)) return 0;
  ::kill(-daemon, SIGTERM);
  auto left = proc::wait_until_group_stopped(daemon, 5s);
  if (!left.empty()) {
    ::kill(-daemon, SIGKILL);
    left = proc::wait_until_group_stopped(daemon, 2s);
  }
  if (report) say(fmt::format("  stopped the lesson's pm daemon (pid {}) and its apps\n", daemon));
  return left.size();
}

}  // namespace clab::lessons
