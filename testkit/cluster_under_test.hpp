// ClusterUnderTest: a native-cluster (or another cluster demo) process started for a check,
// on a free loopback port, in a process group of its own, with its JSON event lines parsed
// as they arrive.
//
// It knows every worker pid the cluster ever had (from "listening" and "exit" events), so
// after stop() it can prove that none of them, nor the primary, is left running or unreaped.
// RAII: destroying it kills the whole process group.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/listen_policy.hpp"
#include "core/error.hpp"
#include "proc/child_process.hpp"
#include "proc/process_table.hpp"

namespace clab::testkit {

struct ClusterOptions {
  std::string bin_dir;
  std::string program = "native-cluster";  // or graceful-shutdown, for its flags
  std::string host = "127.0.0.1";
  cluster::ListenPolicy policy = cluster::ListenPolicy::RoundRobin;
  int workers = 2;
  std::vector<std::string> extra_args;
  int descriptor_limit = 0;  // > 0: started under `ulimit -n` (soft and hard) of this many
};

class ClusterUnderTest {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts the cluster and waits until every worker is listening (or the deadline); with
  // wait_for_workers false, only until the primary reports its port.
  static Result<std::unique_ptr<ClusterUnderTest>> start(
      const ClusterOptions& options, std::chrono::milliseconds timeout = std::chrono::seconds(15),
      bool wait_for_workers = true);

  std::uint16_t port() const { return port_; }
  // The ports of /metrics and the dashboard (--metrics-port, --dashboard-port); 0 without.
  std::uint16_t metrics_port() const { return metrics_port_; }
  std::uint16_t dashboard_port() const { return dashboard_port_; }
  pid_t primary_pid() const { return child_->pid(); }
  // Pids of the workers currently listening, as the events tell.
  std::vector<pid_t> live_workers() const;
  std::set<pid_t> all_worker_pids() const;
  // The pid of the worker listening in slot `instance` (0..N-1), if one is.
  std::optional<pid_t> worker_in_slot(int instance) const;
  proc::ChildProcess& process() { return *child_; }

  // Waits for the next event (after the cursor) named `event` for which `match` holds.
  std::optional<nlohmann::json> wait_event(
      const std::string& event, std::chrono::milliseconds timeout,
      const std::function<bool(const nlohmann::json&)>& match = {});

  // SIGTERM to the primary; waits for it to exit. nullopt if it did not within timeout.
  std::optional<proc::ExitStatus> stop(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Processes of this cluster (primary or any worker it had) still present: running
  // orphans or unreaped zombies. Empty after a clean stop.
  std::vector<proc::ProcessInfo> leftovers() const;

 private:
  ClusterUnderTest() = default;
  void on_line(const std::string& line);

  std::uint16_t port_ = 0;
  std::atomic<std::uint16_t> metrics_port_{0};
  std::atomic<std::uint16_t> dashboard_port_{0};
  std::size_t cursor_ = 0;
  mutable std::mutex mutex_;
  std::set<pid_t> listening_;
  std::map<int, pid_t> instances_;  // slot -> listening worker
  std::set<pid_t> ever_;
  std::unique_ptr<proc::ChildProcess> child_;  // last: its reader thread calls on_line()
};

}  // namespace clab::testkit
