#include "proc/process_table.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace clab::proc {

std::optional<ProcessInfo> process_info(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // "pid (comm) S ppid pgrp ..."; comm may hold spaces and parentheses.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  ProcessInfo info;
  info.pid = pid;
  rest >> info.state >> info.parent >> info.group;
  if (!rest) return std::nullopt;
  return info;
}

std::vector<ProcessInfo> all_processes() {
  std::vector<ProcessInfo> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    if (auto info = process_info(static_cast<pid_t>(pid))) out.push_back(*info);
  }
  ::closedir(dir);
  return out;
}

std::vector<ProcessInfo> processes_in_group(pid_t group) {
  std::vector<ProcessInfo> out;
  for (const auto& p : all_processes()) {
    if (p.group == group) out.push_back(p);
  }
  return out;
}

std::vector<ProcessInfo> children_of(pid_t parent) {
  std::vector<ProcessInfo> out;
  for (const auto& p : all_processes()) {
    if (p.parent == parent) out.push_back(p);
  }
  return out;
}

bool is_running(pid_t pid) {
  auto info = process_info(pid);
  return info && info->state != 'Z' && info->state != 'X';
}

std::size_t open_tcp_connections(pid_t pid) {
  // Inodes of the process's sockets, from the "socket:[inode]" links in /proc/PID/fd.
  std::set<std::string> inodes;
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  if (DIR* dir = ::opendir(fd_dir.c_str())) {
    while (dirent* entry = ::readdir(dir)) {
      char target[64] = {};
      const std::string link = fd_dir + "/" + entry->d_name;
      const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      const std::string text(target, n > 0 ? static_cast<std::size_t>(n) : 0);
      if (text.rfind("socket:[", 0) == 0) inodes.insert(text.substr(8, text.size() - 9));
    }
    ::closedir(dir);
  }
  // /proc/net/tcp: "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ..."; st 0A = LISTEN.
  std::size_t count = 0;
  std::ifstream tcp("/proc/" + std::to_string(pid) + "/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >>
        inode;
    if (state != "0A" && inodes.count(inode)) ++count;
  }
  return count;
}

std::vector<ProcessInfo> wait_until_group_stopped(pid_t group, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<ProcessInfo> running;
    for (const auto& p : processes_in_group(group)) {
      if (p.state != 'Z' && p.state != 'X') running.push_back(p);
    }
    if (running.empty() || std::chrono::steady_clock::now() >= deadline) return running;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // /proc has no change event
  }
}

}  // namespace clab::proc
