// `promtool check metrics` (Debian's prometheus package) on an exposition: Prometheus's own
// judgement of names, units, types and syntax.
#pragma once

#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "core/temp_directory.hpp"
#include "run_command.hpp"

namespace clab::testing {

inline bool promtool_installed() {
  return ::access("/usr/bin/promtool", X_OK) == 0;
}

// What promtool says is wrong (empty: nothing); nullopt when it is not installed or could
// not run.
inline std::optional<std::string> promtool_complaints(const std::string& exposition) {
  if (!promtool_installed()) return std::nullopt;
  auto dir = TempDirectory::create("clusterlab-promtool");
  if (!dir) return std::nullopt;
  std::ofstream(dir->file("metrics.txt")) << exposition;
  const auto run = run_command(
      {.argv = {"/bin/sh", "-c", "promtool check metrics < '" + dir->file("metrics.txt") + "'"},
       .merge_stderr = true},
      std::chrono::seconds(30));
  if (!run.status) return "promtool did not finish within 30 s";
  return run.code() == 0 ? run.text() : "exit " + std::to_string(run.code()) + ": " + run.text();
}

}  // namespace clab::testing
