#include "exercise_progress.hpp"

#include <filesystem>
#include <sstream>

#include "core/file_text.hpp"
#include "trim.hpp"

namespace clab::lessons {

Result<ExerciseProgress> ExerciseProgress::load(std::string path) {
  ExerciseProgress progress(std::move(path));
  if (!std::filesystem::exists(progress.path_)) return progress;
  auto text = read_text_file(progress.path_);
  if (!text) return text.error();
  std::istringstream in(text.value());
  for (std::string line; std::getline(in, line);) {
    if (const std::string name = trim(line); !name.empty() && name[0] != '#')
      progress.done_.insert(name);
  }
  return progress;
}

Status ExerciseProgress::mark(const std::string& name, bool done) {
  if (done) {
    done_.insert(name);
  } else {
    done_.erase(name);
  }
  return save();
}

const Exercise* ExerciseProgress::next(const std::vector<Exercise>& exercises) const {
  for (const auto& e : exercises) {
    if (!done(e.name)) return &e;
  }
  return nullptr;
}

const Exercise* ExerciseProgress::next_after(const std::vector<Exercise>& exercises,
                                             const Exercise* current) const {
  for (const Exercise* e = current + 1; e < exercises.data() + exercises.size(); ++e) {
    if (!done(e->name)) return e;
  }
  return next(exercises);
}

Status ExerciseProgress::save() const {
  std::string text = "# exercises solved, written by `lesson watch` (delete it to start over)\n";
  for (const auto& name : done_)
    text += name + "\n";
  return write_text_file(path_, text);
}

}  // namespace clab::lessons
