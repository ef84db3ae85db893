// A read of /proc: which processes exist, their state, parent and process group. Used to
// prove that no worker outlives its cluster (no orphan, no zombie).
#pragma once

#include <sys/types.h>

#include <chrono>
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
// The TCP connections (sockets not in LISTEN state) a process has open, from its fds and
// /proc/net/tcp. For a stopped process, the connections it holds and will lose if killed.
std::size_t open_tcp_connections(pid_t pid);

// Polls /proc until no process of the group is running (zombies do not count) or the
// deadline passes; returns what is still running then. For processes that are not our
// children, whose exit we cannot wait for.
std::vector<ProcessInfo> wait_until_group_stopped(pid_t group, std::chrono::milliseconds timeout);

}  // namespace clab::proc
