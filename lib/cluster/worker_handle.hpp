// Worker: the primary's handle on one worker process (Node's cluster.Worker).
//
// Its state is the lifecycle table's (worker_lifecycle.hpp); only its WorkerGroup moves it, by
// feeding the table events and executing the actions it returns. disconnect() and kill()
// are stop requests like any other: the worker is not respawned and the kill timer runs.
// Invariant: a worker in Stopping (or Exited from it) is never respawned.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/worker_lifecycle.hpp"
#include "cluster/worker_link.hpp"
#include "proc/exit_status.hpp"

namespace clab::cluster {

using proc::ExitStatus;
class Worker;

// How a stop request asks the worker to stop.
struct StopMethod {
  enum class Kind { ClusterDefault, Disconnect, Signal };
  Kind kind = Kind::ClusterDefault;  // SIGINT (or a shutdown message), as the cluster is set
  int signal = 0;                    // for Kind::Signal
};

// What a Worker asks of whoever supervises it: its WorkerGroup, which runs the stop through
// the lifecycle table.
class WorkerSupervisor {
 public:
  virtual void request_stop(Worker& worker, StopMethod method) = 0;

 protected:
  ~WorkerSupervisor() = default;
};

class Worker {
 public:
  using Clock = std::chrono::steady_clock;

  Worker(int id, int instance, pid_t pid, std::unique_ptr<WorkerLink> link,
         WorkerSupervisor& supervisor)
      : id_(id), instance_(instance), pid_(pid), link_(std::move(link)), supervisor_(supervisor) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  int id() const { return id_; }
  int instance() const { return instance_; }
  pid_t pid() const { return pid_; }
  WorkerState state() const { return state_; }
  Clock::time_point started_at() const { return started_at_; }
  // Asked to stop through the primary (or the API): its exit is not restarted.
  bool stop_requested() const { return stop_requested_; }
  bool ready() const { return state_ == WorkerState::Ready; }
  // Set when the primary had to SIGKILL it (kill_timeout or listen_timeout passed).
  bool killed_by_primary() const { return killed_by_primary_; }
  // How long its stop took, from the request (or its own "stopping") to the exit; 0 when
  // it never stopped that way.
  std::chrono::milliseconds stop_duration() const { return stop_duration_; }
  bool is_alive() const { return cluster::is_alive(state_); }
  // The last heartbeat's figures (wire.hpp), and when it came (or when the worker started
  // listening, before its first); a null json before any.
  const nlohmann::json& heartbeat() const { return heartbeat_; }
  Clock::time_point heartbeat_at() const { return heartbeat_at_; }
  // How long it has been silent at `now`: since its last heartbeat (or since it started).
  std::chrono::milliseconds silence(Clock::time_point now = Clock::now()) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - heartbeat_at_);
  }
  // Its heartbeat is late (heartbeat_timeout set): round-robin hands it nothing meanwhile.
  bool suspect() const { return suspect_; }
  // Set once reaped: how the exit counted for the respawn policy.
  std::optional<ExitKind> exit_kind() const { return exit_kind_; }

  // Sends a message (JSON object) to the worker; it arrives in the worker's message handler.
  // Descriptors travel where the worker's protocol carries them.
  Status send(const nlohmann::json& message, std::span<const int> fds = {});
  // Asks the worker to stop accepting and exit (a disconnect message); it will not be
  // respawned, and is killed if it has not exited after kill_timeout.
  void disconnect();
  // Sends a signal; the worker will not be respawned, and is killed if it has not exited
  // after kill_timeout.
  void kill(int signal = SIGTERM);

 private:
  friend class WorkerGroup;

  int id_;
  int instance_;
  pid_t pid_;
  std::unique_ptr<WorkerLink> link_;  // how the primary speaks with it
  WorkerSupervisor& supervisor_;
  WorkerState state_ = WorkerState::New;
  StopMethod stop_method_;
  Clock::time_point started_at_ = Clock::now();
  bool stop_requested_ = false;
  bool killed_by_primary_ = false;
  std::optional<Clock::time_point> stop_began_;
  std::chrono::milliseconds stop_duration_{0};
  std::optional<ExitKind> exit_kind_;
  nlohmann::json heartbeat_;
  Clock::time_point heartbeat_at_ = started_at_;
  bool suspect_ = false;
  ExitStatus exit_status_;             // once reaped
  std::vector<std::uint64_t> timers_;  // the primary's timers for this worker, cancelled at exit
};

}  // namespace clab::cluster
