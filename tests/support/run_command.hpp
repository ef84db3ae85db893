// Runs a command to completion (or a deadline) and keeps what it printed: the shared way of
// the test helpers that call other programs (ours, tmux, chromium, promtool).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "proc/child_process.hpp"

namespace clab::testing {

struct ProgramRun {
  std::optional<proc::ExitStatus> status;  // nullopt: still running at the deadline (killed)
  std::vector<std::string> lines;

  int code() const { return status ? status->code : -1; }
  std::string text() const {
    std::string all;
    for (const auto& l : lines)
      all += l + "\n";
    return all;
  }
};

inline ProgramRun run_command(proc::SpawnOptions options, std::chrono::seconds timeout) {
  auto child = proc::ChildProcess::spawn(std::move(options));
  if (!child) return {};
  ProgramRun run;
  run.status = (*child)->wait(timeout);
  if (run.status) (void)(*child)->wait_for_output_end(std::chrono::seconds(10));
  run.lines = (*child)->lines();
  return run;
}

}  // namespace clab::testing
