// A read of /proc: which processes exist, their state, parent and process group. Used to
// prove that no worker outlives its cluster (no orphan, no zombie).
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace clab::proc {

struct ProcessInfo {
  pid_t pid = 0;
  char state = '?';  // R, S, D, Z (zombie), T (stopped)...
  pid_t parent = 0;
  pid_t group = 0;
};

std::optional<ProcessInfo> process_info(pid_t pid);
std::vector<ProcessInfo> all_processes();
std::vector<ProcessInfo> processes_in_group(pid_t group);
std::vector<ProcessInfo> children_of(pid_t parent);
// True while the pid names a process that is not a zombie.
bool is_running(pid_t pid);

}  // namespace clab::proc
