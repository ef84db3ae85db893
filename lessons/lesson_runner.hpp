// LessonRunner: walks a learner through a lesson. It prints the prose (rendered for a
// terminal, or plain for a pipe), then runs each step (after a key, unless in auto mode),
// shows the output as it comes and says in words what each step checked.
//
// Invariant: however a run ends (passed, failed, left with q or Ctrl-D, interrupted by
// SIGINT, SIGTERM or SIGHUP), every process its steps started is stopped, the run's private
// directory ($LESSON_DIR) is removed, and the learner is told so.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/temp_directory.hpp"
#include "lesson_file.hpp"
#include "proc/child_process.hpp"
#include "proc/termination_watch.hpp"
#include "terminal_text.hpp"

namespace clab::lessons {

struct RunnerOptions {
  bool auto_mode = false;  // no pauses
  std::string bin_dir;     // put first on PATH so steps can name our programs
  std::FILE* out = stdout;
  TextStyle style;  // how prose is shown
  int in_fd = -1;   // where the learner's keys come from (interactive mode)
  // Signals that end the lesson: the watch's handler stops every child, the runner notices
  // and winds up. Null: none watched.
  const proc::TerminationWatch* watch = nullptr;
};

enum class Outcome { Passed, Failed, Left, Interrupted };

class LessonRunner {
 public:
  explicit LessonRunner(RunnerOptions options) : options_(std::move(options)) {}
  ~LessonRunner();

  // Runs every step in order, stopping at the first that fails (and saying why), at the
  // learner's q or Ctrl-D, or at a signal.
  Outcome run(const Lesson& lesson);

 private:
  struct Background {
    std::unique_ptr<proc::ChildProcess> process;
    std::size_t cursor = 0;
  };

  Outcome run_steps(const Lesson& lesson);
  bool run_step(const Step& step);
  bool run_foreground(const Step& step, const std::string& command);
  bool start_background(const Step& step);
  bool wait_for(const Step& step, const std::string& name, const Expectation& expectation);
  bool stop_background(const Step& step, const std::string& name);
  void capture(const Expectation& expectation, const std::vector<std::string>& groups);
  void report_seen(const Expectation& expectation, const std::vector<std::string>& groups,
                   const std::string& who);
  std::string substitute(const std::string& pattern) const;
  std::vector<std::pair<std::string, std::string>> environment() const;
  std::optional<Outcome> pause_before(const Step& step, std::size_t index, std::size_t total);
  void say(const std::string& text);
  bool fail(const Step& step, const std::string& why);
  int interrupted() const { return options_.watch ? options_.watch->received() : 0; }
  // Stops every background process still running, saying what became of each (when
  // report); returns how many of their processes are still running after it.
  std::size_t stop_all_background(bool report);
  // Stops the pm daemon a step started under the lesson's PM_HOME, with its apps; returns
  // how many of its processes are still running after that.
  std::size_t stop_pm_daemon(bool report);
  void wind_up(const Lesson& lesson, Outcome outcome);

  RunnerOptions options_;
  std::map<std::string, std::string> variables_;
  std::map<std::string, Background> background_;
  std::optional<TempDirectory> directory_;  // $LESSON_DIR, for the run in progress
  std::mutex print_mutex_;
  std::string lesson_path_;
  std::size_t step_reached_ = 0;
};

}  // namespace clab::lessons
