// FileWatch: PM2's `watch`: a directory tree watched with inotify, every subdirectory
// included (new ones too), names matching ignore_watch (fnmatch patterns, on any path
// component) left out; changes are debounced, so one save or one `cp -r` is one restart.
// Single-threaded, on the daemon's loop.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/event_loop.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::pm {

class FileWatch {
 public:
  static Result<std::unique_ptr<FileWatch>> start(
      cluster::EventLoop& loop, std::vector<std::string> roots, std::vector<std::string> ignore,
      std::chrono::milliseconds debounce, std::function<void(const std::string& path)> changed);
  ~FileWatch();

 private:
  FileWatch(cluster::EventLoop& loop, UniqueFd fd) : loop_(loop), fd_(std::move(fd)) {}
  void add_tree(const std::string& directory);
  bool ignored(const std::string& path) const;
  void on_readable();

  cluster::EventLoop& loop_;
  UniqueFd fd_;
  std::vector<std::string> ignore_;
  std::chrono::milliseconds debounce_{};
  std::function<void(const std::string&)> changed_;
  std::map<int, std::string> directories_;  // watch descriptor -> path
  std::optional<cluster::EventLoop::TimerId> timer_;
  std::string last_path_;
};

}  // namespace clab::pm
