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

int signal_number(const std::string& name) {
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    const int n = name.size() < 4 ? std::stoi(name) : 0;
    return n > 0 && n < NSIG ? n : 0;
  }
  const std::string bare = name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
  for (int n = 1; n < NSIG; ++n) {
    const char* abbrev = ::sigabbrev_np(n);
    if (abbrev != nullptr && bare == abbrev) return n;
  }
  return 0;
}

}  // namespace clab::proc
