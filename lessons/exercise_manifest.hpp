// An exercise: a small file the learner edits until its check passes (lesson watch).
// Each exercises/NN-topic/ folder holds the exercises of lesson NN and a `manifest` that
// describes them, one section per exercise:
//
//   [shared-counter]                       the exercise's name (letters, digits, '-')
//   title: One counter for the whole cluster
//   file: shared_counter.cpp               what the learner edits, in this folder; its
//                                          reference solution is solutions/<file>
//   program: native-cluster                a C++ exercise is built into a program that takes
//                                          the place of this one of ours in $PROGRAMS (empty
//                                          or absent: the program is only $EXERCISE_PROGRAM)
//   check: harness run shared-state ...    a bash command: exit status 0 is solved; its
//                                          lines starting with FAIL say what is wrong
//   timeout: 300                           seconds the check may take (default 300)
//   hint: ...                              as many as there are, in the order to read them
//
// Lines starting with '#' are comments. A file ending in .cpp is built (exercise-<name>,
// exercises/CMakeLists.txt); any other file is read by its check as it is.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace clab::lessons {

struct Exercise {
  std::string name;
  int lesson = 0;         // from the folder's number
  std::string directory;  // the exercises/NN-topic folder, absolute
  std::string title;
  std::string file;      // absolute
  std::string solution;  // absolute: directory/solutions/<file name>
  std::string program;   // the program of ours it replaces; empty: none
  std::string check;
  int timeout_s = 300;
  std::vector<std::string> hints;

  bool built() const;                 // a C++ source, compiled by the check
  std::string relative_file() const;  // "exercises/01-native-clustering/shared_counter.cpp"
};

// Every exercise under `root` (the exercises folder), by lesson and then as listed in each
// manifest. Errors name the manifest, its line and what was expected.
Result<std::vector<Exercise>> load_exercises(const std::string& root);

}  // namespace clab::lessons
