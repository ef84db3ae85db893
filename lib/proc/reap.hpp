// Reaping: what a supervisor does on SIGCHLD. Every child that has exited is waited for
// (waitpid(-1, WNOHANG) until none is left) and handed to `on_exit` with its wait status.
#pragma once

#include <sys/types.h>

#include <functional>

namespace clab::proc {

void reap_exited_children(const std::function<void(pid_t pid, int wait_status)>& on_exit);

}  // namespace clab::proc
