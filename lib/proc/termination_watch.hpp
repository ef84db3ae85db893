// TerminationWatch: what a program that starts processes does when it is told to stop.
// SIGINT (Ctrl-C), SIGTERM and SIGHUP (its terminal closed) are blocked and read on a thread
// of the watch's own; the first one is remembered, wakes wake_fd(), and is handed to
// on_signal on that thread. The program then stops its children itself instead of dying
// and leaving them, in their own process groups, re-parented to PID 1.
//
// Start it in main() before any other thread, so every thread inherits the mask (children
// started with ChildProcess get a clear mask). SIGPIPE is blocked too: a write to a closed
// pipe or terminal fails with EPIPE instead of killing the program mid-clean-up.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "proc/signal_set.hpp"

namespace clab::proc {

class TerminationWatch {
 public:
  static Result<std::unique_ptr<TerminationWatch>> start(std::function<void(int)> on_signal);
  ~TerminationWatch();
  TerminationWatch(const TerminationWatch&) = delete;
  TerminationWatch& operator=(const TerminationWatch&) = delete;

  int received() const { return received_.load(); }  // 0 until the first signal
  int wake_fd() const { return wake_.get(); }        // readable once a signal arrived

 private:
  TerminationWatch(SignalSet signals, UniqueFd wake, UniqueFd stop,
                   std::function<void(int)> on_signal);
  void watch();

  SignalSet signals_;
  UniqueFd wake_;  // eventfd: written once, on the first signal
  UniqueFd stop_;  // eventfd: written by the destructor
  std::function<void(int)> on_signal_;
  std::atomic<int> received_{0};
  std::thread thread_;
};

// "SIGINT" -> 130: the exit status a shell reports for a process ended by that signal.
inline int exit_status_for_signal(int signal) {
  return 128 + signal;
}

}  // namespace clab::proc
