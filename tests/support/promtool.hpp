// `promtool check metrics` (Debian's prometheus package) on an exposition: Prometheus's own
// judgement of names, units, types and syntax.
#pragma once

#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "core/temp_directory.hpp"
#include "proc/child_process.hpp"

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
  auto child = proc::ChildProcess::spawn(
      {.argv = {"/bin/sh", "-c", "promtool check metrics < '" + dir->file("metrics.txt") + "'"},
       .merge_stderr = true});
  if (!child) return std::nullopt;
  const auto status = (*child)->wait(std::chrono::seconds(30));
  (void)(*child)->wait_for_output_end(std::chrono::seconds(5));
  std::string said;
  for (const auto& line : (*child)->lines())
    said += line + "\n";
  if (!status) return "promtool did not finish within 30 s";
  return status->code == 0 ? said : "exit " + std::to_string(status->code) + ": " + said;
}

}  // namespace clab::testing
