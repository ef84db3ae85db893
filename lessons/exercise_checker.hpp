// ExerciseChecker: builds an exercise as the learner left it and runs its check.
//
// A C++ exercise is copied into the build tree (build/exercise-src/<name>.cpp, behind a
// #line naming the learner's file so compiler errors point there) and built with CMake
// (target exercise-<name>, the build's own flags and sanitizer). Its check then runs with:
//   $PROGRAMS          a folder of our programs in which the exercise's program, if it has
//                      one, is the learner's build (harness run --programs $PROGRAMS)
//   $EXERCISE_PROGRAM  the learner's build;  $EXERCISE_FILE  the file the learner edits
//   $EXERCISE_DIR      the exercise's folder (scripts its check uses)
//   PATH               $PROGRAMS first
// Invariant: the check's processes, in their own process group, are all gone when check()
// returns, and so is the $PROGRAMS folder.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "exercise_manifest.hpp"
#include "proc/termination_watch.hpp"

namespace clab::lessons {

struct CheckOutcome {
  bool passed = false;
  bool built = true;  // false: it did not compile (reasons are the compiler's errors)
  bool interrupted = false;
  std::vector<std::string> reasons;  // what failed, in words: the check's FAIL lines
  double seconds = 0;
};

class ExerciseChecker {
 public:
  // build_dir: the CMake build tree; bin_dir: where our programs are (build_dir/bin).
  ExerciseChecker(std::string build_dir, std::string bin_dir,
                  const proc::TerminationWatch* watch = nullptr)
      : build_dir_(std::move(build_dir)), bin_dir_(std::move(bin_dir)), watch_(watch) {}

  // The build tree that holds `bin_dir` (its parent), or an error saying how to make one.
  static Result<std::string> build_dir_of(const std::string& bin_dir);

  // Builds (if C++) and checks; every line of output goes to on_line as it comes.
  CheckOutcome check(const Exercise& exercise,
                     const std::function<void(const std::string&)>& on_line);

 private:
  // Runs `argv` to its end (or `timeout_s`), feeding on_line; nullopt when it did not end.
  std::optional<int> run(std::vector<std::string> argv,
                         std::vector<std::pair<std::string, std::string>> env, int timeout_s,
                         const std::function<void(const std::string&)>& on_line,
                         std::vector<std::string>* lines);
  bool interrupted() const { return watch_ && watch_->received() != 0; }

  std::string build_dir_;
  std::string bin_dir_;
  const proc::TerminationWatch* watch_;
};

}  // namespace clab::lessons
