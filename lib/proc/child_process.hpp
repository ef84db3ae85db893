// ChildProcess: a program started in a process group of its own, whose standard output
// (and, if asked, standard error) a background thread reads line by line.
//
// RAII: the destructor SIGKILLs the whole process group and reaps the child, so a test or
// harness check that fails half-way leaves no process behind. Waiting is event-driven
// (a pidfd for the exit, a condition variable for output lines), always with a deadline.
// Thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "proc/exit_status.hpp"

namespace clab::proc {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) ours
  bool merge_stderr = false;                             // false: stderr is inherited
  std::function<void(const std::string& line)> on_line;  // called on the reader thread
};

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  static Result<std::unique_ptr<ChildProcess>> spawn(SpawnOptions options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  pid_t process_group() const { return pid_; }

  // The capture groups of a matching line: [0] is the whole match.
  using LineMatch = std::vector<std::string>;
  // Waits until a line at index >= *cursor matches; on success returns its groups and moves
  // *cursor past that line. nullopt at the deadline or when output ended without a match.
  std::optional<LineMatch> wait_for_line(const std::regex& pattern, std::size_t* cursor,
                                         std::chrono::milliseconds timeout);
  std::vector<std::string> lines() const;
  // Waits until the output pipe is closed (every process holding it has exited).
  bool wait_for_output_end(std::chrono::milliseconds timeout);

  void signal(int signal) const;
  void signal_group(int signal) const;
  // Signals the process group of every ChildProcess alive in this program (what a
  // TerminationWatch's handler does, so that no child outlives an interrupted parent);
  // returns how many groups.
  static std::size_t signal_every_group(int signal);
  // Adds (or removes) a process group that this program did not spawn as a ChildProcess but
  // that must not outlive it either: a daemon in a session of its own (pm's), started by a
  // child. signal_every_group() signals it too.
  static void track_group(pid_t group);
  static void untrack_group(pid_t group);

  // Waits for the child to exit and reaps it; nullopt if it is still running at the deadline.
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);
  std::optional<ExitStatus> exit_status() const { return exit_status_; }

 private:
  ChildProcess(pid_t pid, UniqueFd output, UniqueFd pidfd,
               std::function<void(const std::string&)> on_line);
  void read_output();

  pid_t pid_;
  UniqueFd output_;
  UniqueFd pidfd_;
  std::function<void(const std::string&)> on_line_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool output_ended_ = false;
  std::optional<ExitStatus> exit_status_;
  std::thread reader_;
};

// The running program's path (what a primary re-executes), and the directory holding it
// (to find sibling programs in build/bin).
std::string own_executable();
std::string own_directory();

}  // namespace clab::proc
