// Runs one of our programs from build/bin to completion and keeps what it printed.
#pragma once

#include <chrono>
#include <string>

#include "run_command.hpp"

namespace clab::testing {

// argv[0] names a program in CLUSTERLAB_BIN_DIR.
inline ProgramRun run_program(std::vector<std::string> argv, std::chrono::seconds timeout,
                              bool merge_stderr = true) {
  argv[0] = std::string(CLUSTERLAB_BIN_DIR) + "/" + argv[0];
  return run_command({.argv = argv, .merge_stderr = merge_stderr}, timeout);
}

}  // namespace clab::testing
