// FileWatch: waits until a file is saved, the learner types a line, or a signal arrives.
// It watches the file's folder (inotify), so a save by rename (what most editors do) is seen
// as well as a write in place; a burst of events from one save counts once.
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::lessons {

class FileWatch {
 public:
  static Result<FileWatch> watch(const std::string& file);

  enum class Wake { Saved, Input, Interrupted };
  // in_fd: the learner's keys (-1: none); wake_fd: readable once a signal arrived (-1: none).
  Wake wait(int in_fd, int wake_fd);

 private:
  FileWatch(UniqueFd inotify, std::string name)
      : inotify_(std::move(inotify)), name_(std::move(name)) {}
  // Reads the pending events; true if one of them is about our file.
  bool drain_events();

  UniqueFd inotify_;
  std::string name_;  // the file's name in its folder
};

}  // namespace clab::lessons
