// TmuxSession: a program run on a real terminal (a tmux pane), for tests of what a learner
// does at a terminal: keys, Ctrl-C, closing the terminal. Each session has a tmux server of
// its own (a socket in a private directory), killed with everything in it on destruction.
// A pane whose program exited stays (remain-on-exit), so its last words can still be read.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/temp_directory.hpp"
#include "proc/child_process.hpp"

namespace clab::testing {

class TmuxSession {
 public:
  // Runs argv (each word quoted for the shell) in a new 120x50 pane.
  static std::optional<TmuxSession> start(const std::vector<std::string>& argv);
  ~TmuxSession();
  TmuxSession(TmuxSession&&) = default;
  TmuxSession& operator=(TmuxSession&&) = default;

  bool send_keys(const std::vector<std::string>& keys) const;  // "Enter", "C-c", "q"...
  std::string screen() const;                                  // the pane's text
  // Waits until the pane shows `text` (polling the pane: a terminal has no events to wait
  // on); false at the deadline.
  bool wait_for_text(const std::string& text, std::chrono::milliseconds timeout) const;
  pid_t pane_pid() const;  // the pid of the program the pane runs
  bool close() const;      // kills the session: the terminal closes (SIGHUP)

 private:
  explicit TmuxSession(TempDirectory directory) : directory_(std::move(directory)) {}
  std::optional<std::string> tmux(std::vector<std::string> arguments) const;

  TempDirectory directory_;
};

}  // namespace clab::testing
