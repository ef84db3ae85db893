#include "proc/process_table.hpp"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
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
