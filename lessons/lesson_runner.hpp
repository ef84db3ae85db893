// LessonRunner: walks a learner through a lesson. It prints the prose, then runs each step
// (after Enter, unless in auto mode), shows the output as it comes and checks the step's
// expectations. Background processes started by steps are stopped when the lesson ends,
// whether it passed or not.
#pragma once

#include <cstdio>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "lesson_file.hpp"
#include "proc/child_process.hpp"
#include "proc/process_table.hpp"

namespace clab::lessons {

struct RunnerOptions {
  bool auto_mode = false;  // no pauses
  std::string bin_dir;     // put first on PATH so steps can name our programs
  std::FILE* out = stdout;
  std::istream* in = nullptr;  // where Enter is read from (interactive mode)
};

class LessonRunner {
 public:
  explicit LessonRunner(RunnerOptions options) : options_(std::move(options)) {}
  ~LessonRunner();

  // Runs every step in order; false at the first step that fails (and says why).
  bool run(const Lesson& lesson);

 private:
  struct Background {
    std::unique_ptr<proc::ChildProcess> process;
    std::size_t cursor = 0;
  };

  bool run_step(const Step& step);
  bool run_foreground(const Step& step, const std::string& command);
  bool start_background(const Step& step);
  bool wait_for(const Step& step, const std::string& name, const Expectation& expectation);
  bool stop_background(const Step& step, const std::string& name);
  void capture(const Expectation& expectation, const std::vector<std::string>& groups);
  std::string substitute(const std::string& pattern) const;
  std::vector<std::pair<std::string, std::string>> environment() const;
  bool pause_before(const Step& step, std::size_t index, std::size_t total);
  void say(const std::string& text);
  bool fail(const Step& step, const std::string& why);
  void stop_all_background();

  RunnerOptions options_;
  std::map<std::string, std::string> variables_;
  std::map<std::string, Background> background_;
  std::mutex print_mutex_;
  std::string lesson_path_;
};

}  // namespace clab::lessons
