// PmUnderTest: a pm daemon in a PM_HOME of its own (a temporary directory), driven through
// the pm CLI as a user drives it. It remembers every process it ever saw the daemon run,
// so it can prove none is left (daemon-crash) and kill them all.
// RAII: destroying it asks the daemon to stop (pm kill), then SIGKILLs the daemon and every
// app process still there, and removes the directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/temp_directory.hpp"

namespace clab::testkit {

class PmUnderTest {
 public:
  struct Run {
    int code = -1;     // -1: still running at the deadline (killed)
    std::string text;  // stdout and stderr
  };

  static Result<std::unique_ptr<PmUnderTest>> create(std::string bin_dir);
  ~PmUnderTest();
  PmUnderTest(const PmUnderTest&) = delete;
  PmUnderTest& operator=(const PmUnderTest&) = delete;

  // Runs `pm ARGS...` with this PM_HOME (and `env` added) until it exits.
  Run pm(std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> env = {},
         std::chrono::seconds timeout = std::chrono::seconds(120));
  // `pm jlist`, parsed; an error when it fails.
  Result<nlohmann::json> jlist();
  // The processes of `app` (name) as jlist shows them.
  Result<std::vector<nlohmann::json>> processes(const std::string& app);
  // The port a cluster-mode app listens on.
  Result<std::uint16_t> port_of(const std::string& app);
  // Waits until every instance of `app` is online with a pid; false at the deadline.
  bool wait_online(const std::string& app, std::size_t instances,
                   std::chrono::milliseconds timeout);

  std::string home() const { return directory_.path() + "/home"; }
  std::string path(const std::string& name) const { return directory_.file(name); }
  const std::string& bin_dir() const { return bin_dir_; }
  void write_file(const std::string& name, const std::string& text, bool executable = false) const;
  pid_t daemon_pid() const;  // from pm.pid; 0 when none
  // The daemon's children now (and remembered for cleanup).
  std::vector<pid_t> app_pids();
  // Every app process ever seen that is still running.
  std::vector<pid_t> surviving_apps() const;

 private:
  PmUnderTest(std::string bin_dir, TempDirectory directory)
      : bin_dir_(std::move(bin_dir)), directory_(std::move(directory)) {}

  std::string bin_dir_;
  TempDirectory directory_;
  std::set<pid_t> seen_;
  std::set<pid_t> daemons_;  // process groups tracked for an interruption
};

}  // namespace clab::testkit
