// The `lesson` verbs for exercises, in the spirit of rustlings:
//
//   lesson exercises [--json]   every exercise, done or not, and which comes next
//   lesson watch [NAME]         checks the next exercise not done (or NAME), then again on
//                               each save of its file; moves on when it passes
//   lesson hint [NAME]          the hints of the next exercise (or NAME)
//   lesson reset NAME           puts NAME's file back as it is in git and marks it not done
//   lesson check NAME           builds and checks NAME once (exit 0: solved, 1: not yet)
//
// Progress lives in exercises/.progress in the learner's checkout.
#pragma once

#include <string>

#include "proc/termination_watch.hpp"

namespace clab::lessons {

// True for the verbs above: main hands those to run_exercise_command.
bool is_exercise_command(const std::string& word);

struct ExerciseCommandContext {
  std::string exercises_dir;  // default for --exercises
  std::string bin_dir;        // our programs
  const proc::TerminationWatch* watch = nullptr;
};

// Returns the exit status: 0 done, 1 a check failed (or watch ended unsolved), 2 usage or a
// broken manifest, 128 + N ended by signal N.
int run_exercise_command(int argc, char** argv, const ExerciseCommandContext& context);

}  // namespace clab::lessons
