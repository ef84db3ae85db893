// SignalSet: blocks a set of signals in the calling thread and delivers them through a
// signalfd, so no work ever happens inside a signal handler.
//
// Create it in main() before any thread starts so every thread inherits the mask. The
// mask survives fork and exec: a child must call unblock_all_signals() before exec.
#pragma once

#include <csignal>
#include <initializer_list>
#include <optional>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::proc {

class SignalSet {
 public:
  static Result<SignalSet> block(std::initializer_list<int> signals);

  int fd() const { return fd_.get(); }
  // The next pending signal number, or nullopt when none is pending.
  std::optional<int> read_one();

 private:
  explicit SignalSet(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// Clears the calling thread's signal mask (async-signal-safe; for use after fork).
void unblock_all_signals();

}  // namespace clab::proc
