// ExerciseProgress: which exercises the learner has solved, kept in exercises/.progress in
// the learner's checkout (one name per line; git ignores it), so `lesson watch` picks up
// where they left off. Saved on every change, whole, by rename: never half written.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "exercise_manifest.hpp"

namespace clab::lessons {

class ExerciseProgress {
 public:
  // Reads `path` (a missing file: nothing solved yet).
  static Result<ExerciseProgress> load(std::string path);

  bool done(const std::string& name) const { return done_.count(name) > 0; }
  Status mark(const std::string& name, bool done);
  // The first exercise, in order, not solved yet; nullptr when every one is.
  const Exercise* next(const std::vector<Exercise>& exercises) const;
  // The first one not solved after `current` (an element of `exercises`), else from the
  // start; nullptr when every one is solved.
  const Exercise* next_after(const std::vector<Exercise>& exercises, const Exercise* current) const;
  const std::string& path() const { return path_; }

 private:
  explicit ExerciseProgress(std::string path) : path_(std::move(path)) {}
  Status save() const;

  std::string path_;
  std::set<std::string> done_;
};

}  // namespace clab::lessons
