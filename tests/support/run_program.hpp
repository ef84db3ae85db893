// Runs one of our programs from build/bin to completion and keeps what it printed.
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

// argv[0] names a program in CLUSTERLAB_BIN_DIR.
inline ProgramRun run_program(std::vector<std::string> argv, std::chrono::seconds timeout,
                              bool merge_stderr = true) {
  argv[0] = std::string(CLUSTERLAB_BIN_DIR) + "/" + argv[0];
  auto child = proc::ChildProcess::spawn({.argv = argv, .merge_stderr = merge_stderr});
  if (!child) return {};
  ProgramRun run;
  run.status = (*child)->wait(timeout);
  if (run.status) (void)(*child)->wait_for_output_end(std::chrono::seconds(10));
  run.lines = (*child)->lines();
  return run;
}

}  // namespace clab::testing
