// Worker: the primary's handle on one worker process (Node's cluster.Worker).
//
// Lifecycle, driven by the Primary's event loop:
//   Starting --"online"--> Online --"listening"--> Listening
//   any live state --disconnect()/kill()/cluster stop--> Stopping
//   any state --process reaped--> Exited
// Invariant: once stop_requested() is true the worker is never respawned.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/ipc_channel.hpp"
#include "proc/exit_status.hpp"

namespace clab::cluster {

enum class WorkerState { Starting, Online, Listening, Stopping, Exited };
std::string_view to_string(WorkerState state);

using proc::ExitStatus;

class Worker {
 public:
  using Clock = std::chrono::steady_clock;

  Worker(int id, int instance, pid_t pid, IpcChannel channel)
      : id_(id), instance_(instance), pid_(pid), channel_(std::move(channel)) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  int id() const { return id_; }
  int instance() const { return instance_; }
  pid_t pid() const { return pid_; }
  WorkerState state() const { return state_; }
  Clock::time_point started_at() const { return started_at_; }
  bool stop_requested() const { return stop_requested_; }
  bool ready() const { return ready_; }
  // Set when the primary had to SIGKILL it (kill_timeout or listen_timeout passed).
  bool killed_by_primary() const { return killed_by_primary_; }
  // How long its stop took, from the request to the exit; 0 when not asked to stop.
  std::chrono::milliseconds stop_duration() const { return stop_duration_; }
  bool is_alive() const { return state_ != WorkerState::Exited; }

  // Sends a message (JSON object) to the worker; it arrives in the worker's message handler.
  Status send(const nlohmann::json& message, std::span<const int> fds = {});
  // Asks the worker to stop accepting and exit; it will not be respawned.
  void disconnect();
  // Sends a signal; the worker will not be respawned.
  void kill(int signal = SIGTERM);

 private:
  friend class Primary;

  int id_;
  int instance_;
  pid_t pid_;
  IpcChannel channel_;
  WorkerState state_ = WorkerState::Starting;
  Clock::time_point started_at_ = Clock::now();
  bool stop_requested_ = false;
  bool ready_ = false;
  bool killed_by_primary_ = false;
  Clock::time_point stop_requested_at_{};
  std::chrono::milliseconds stop_duration_{0};
  std::vector<std::uint64_t> timers_;  // the primary's timers for this worker, cancelled at exit
  // Round-robin: connections handed over but not yet acknowledged, by sequence number.
  std::map<std::uint64_t, UniqueFd> unacked_;
};

}  // namespace clab::cluster
