// A pidfd: a descriptor for one process, any process and not only a child, that becomes
// readable when the process exits. Opened while the pid is known to be that process (it just
// answered), a reused pid cannot be mistaken for it afterwards.
#pragma once

#include <sys/types.h>

#include <chrono>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::proc {

Result<UniqueFd> open_pidfd(pid_t pid);
// True once the process behind `pidfd` has exited; false when `timeout` passes first.
bool wait_for_exit(const UniqueFd& pidfd, std::chrono::milliseconds timeout);

}  // namespace clab::proc
