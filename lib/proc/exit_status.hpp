// ExitStatus: how a process ended, an exit code or the signal that killed it.
#pragma once

#include <string>

namespace clab::proc {

struct ExitStatus {
  int code = -1;   // valid when signal == 0
  int signal = 0;  // non-zero when killed by a signal

  static ExitStatus from_wait_status(int status);
  bool success() const { return signal == 0 && code == 0; }
  std::string describe() const;  // "code 0", "signal 9 (SIGKILL)"
};

// "SIGTERM", "SIGKILL"... for a signal number.
std::string signal_name(int signal);
// The number of "SIGUSR2", "USR2" or "12"; 0 when it names no signal.
int signal_number(const std::string& name);

}  // namespace clab::proc
