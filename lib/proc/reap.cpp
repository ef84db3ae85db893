#include "proc/reap.hpp"

#include <sys/wait.h>

namespace clab::proc {

void reap_exited_children(const std::function<void(pid_t pid, int wait_status)>& on_exit) {
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    on_exit(pid, status);
  }
}

}  // namespace clab::proc
