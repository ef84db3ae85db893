#include "proc/exit_status.hpp"

#include <sys/wait.h>

#include <cstring>

#include <fmt/format.h>

namespace clab::proc {

ExitStatus ExitStatus::from_wait_status(int status) {
  if (WIFSIGNALED(status)) return ExitStatus{-1, WTERMSIG(status)};
  return ExitStatus{WEXITSTATUS(status), 0};
}

std::string ExitStatus::describe() const {
  if (signal != 0) return fmt::format("signal {} ({})", signal, signal_name(signal));
  return fmt::format("code {}", code);
}

std::string signal_name(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev == nullptr ? fmt::format("signal {}", signal) : fmt::format("SIG{}", abbrev);
}

}  // namespace clab::proc
