// ManagedApp: one app of the pm daemon: its configuration, its WorkerGroup while it runs
// (cluster mode: pm is the primary; fork mode: each instance is a plain child), a stable
// pm_id per instance, the log files its processes write to (through pipes the daemon
// reads), and PM2's operations on it: start, stop, restart, reload, scale, signal.
//
// Invariants: a running app has exactly one group; an operation's `done` is called exactly
// once; restart counts survive a restart (the group is new, the instance is not). Every
// callback runs on the daemon's loop thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cluster/event_loop.hpp"
#include "cluster/worker_group.hpp"
#include "monitor/health_probe.hpp"
#include "monitor/monitor.hpp"
#include "pm/ecosystem.hpp"
#include "pm/log_file.hpp"

namespace clab::pm {

// What an app needs from the daemon.
struct AppServices {
  std::function<int()> next_pm_id;
  std::function<void(const std::string&)> log;  // a line for the daemon's log
  std::string logs_dir;
  LogRotation rotation;
  monitor::Monitor* monitor = nullptr;  // records the app's lifecycle events when set
};

class ManagedApp {
 public:
  using Done = std::function<void(Status)>;
  // Reload: one line per instance that failed (the old process still serves).
  using ReloadDone = std::function<void(std::vector<std::string> failures)>;

  ManagedApp(cluster::EventLoop& loop, AppConfig config, std::vector<std::string> environment,
             AppServices services);
  ~ManagedApp();
  ManagedApp(const ManagedApp&) = delete;
  ManagedApp& operator=(const ManagedApp&) = delete;

  const AppConfig& config() const { return config_; }
  const std::vector<std::string>& environment() const { return environment_; }
  bool running() const { return group_ != nullptr; }
  // The port it listens on (cluster mode): PORT, or the free one its first start got.
  std::uint16_t port() const { return config_.port != 0 ? config_.port : bound_port_; }
  std::vector<int> pm_ids() const;
  std::optional<int> instance_of(int pm_id) const;

  // While stopped: the configuration and environment the next start uses (the file as it
  // is now); pm_ids stay.
  void reconfigure(AppConfig config, std::vector<std::string> environment);
  // Starts every instance; `done` once each is up or has failed (errored).
  void start(Done done);
  // Stops every instance gracefully; `done` once none is left.
  void stop(Done done);
  // stop, then start: the port is closed in between (what `reload` avoids).
  void restart(Done done);
  // Cluster mode: replaces instances `parallel` at a time, each new one up before the old
  // one is asked to stop; stops at the first failure. Fork mode: restarts each instance.
  void reload(std::size_t parallel, ReloadDone done, cluster::WorkerGroup::ReplaceRule rule = {});
  // One instance (by pm_id): stop, restart (fork) or replace (cluster), signal.
  void stop_instance(int instance);
  void restart_instance(int instance, ReloadDone done, cluster::WorkerGroup::ReplaceRule rule = {});
  Status scale(int instances);
  Status send_signal(std::optional<int> instance, int signal);
  // A message to each process's process.on('message') (Node's IPC channel; PM2's
  // sendDataToProcessId); an error for an app whose processes have no channel.
  Status send_message(std::optional<int> instance, const nlohmann::json& message);
  void reset_counters();
  Status flush_logs();

  bool on_reaped(pid_t pid, int wait_status);
  // What the daemon's Sampler needs to know of each instance (by pm_id, PM2's statuses).
  std::vector<monitor::InstanceSource> sources() const;
  // Called each second with the daemon's figures (of every app): max_memory_restart.
  void apply_memory_limit(const std::vector<monitor::InstanceFigures>& figures);

  // PM2's jlist entries, one per instance; "monit" from `figures` (the daemon's).
  std::vector<nlohmann::json> processes(const std::vector<monitor::InstanceFigures>& figures) const;

 private:
  struct InstanceLogs {
    std::shared_ptr<LogFile> out, err, combined;
  };
  struct Pipe;  // a process's stdout or stderr, read by the loop

  Result<cluster::ClusterSettings> group_settings();
  Result<cluster::ChildStdio> open_stdio(int instance);
  Result<InstanceLogs*> logs_for(int instance);
  std::string log_path(const std::string& configured, const char* kind, int instance) const;
  void on_pipe_readable(int fd);
  void write_line(InstanceLogs& logs, bool is_err, std::string_view line);
  int pm_id_of(int instance);
  int restarts_of(int instance, const cluster::WorkerGroup::SlotView* slot) const;
  void settle_waiters();
  // A slot a start no longer waits for: up (ready, with wait_ready), errored or stopped.
  bool settled(const cluster::WorkerGroup::SlotView& slot) const;
  // At the start's deadline: the slots not settled, as one failure.
  Status not_up_in_time();
  void replace_next();
  void on_group_stopped();
  std::string status_of(const cluster::WorkerGroup::SlotView& slot) const;
  // health_check: probes a process that just came up; kills it after the failures.
  void probe(cluster::Worker& worker);

  cluster::EventLoop& loop_;
  AppConfig config_;
  std::vector<std::string> environment_;
  AppServices services_;
  std::unique_ptr<cluster::WorkerGroup> group_;
  std::uint16_t bound_port_ = 0;         // the port the first start got (PORT 0)
  bool errored_ = false;                 // the last start failed, or every slot errored
  std::map<int, int> pm_ids_;            // instance -> pm_id
  std::map<int, int> carried_restarts_;  // instance -> restarts of earlier groups
  std::map<int, InstanceLogs> logs_;
  std::map<int, std::unique_ptr<Pipe>> pipes_;  // by read end
  std::vector<Done> start_waiters_;
  std::vector<Done> stop_waiters_;
  std::chrono::steady_clock::time_point start_deadline_;
  std::optional<cluster::EventLoop::TimerId> start_timer_;
  std::optional<cluster::EventLoop::TimerId> stopped_timer_;  // the group's end, just after
  // A reload in progress: instances still to replace, replacements running, failures.
  struct Reload {
    std::vector<int> queue;
    std::size_t parallel = 1;
    cluster::WorkerGroup::ReplaceRule rule{};
    std::size_t running = 0;
    std::vector<std::string> failures;
    ReloadDone done;
  };
  std::optional<Reload> reload_;
  bool replacing_ = false;  // inside replace_next()
  // health_check: one probe per running process, by pid.
  std::map<pid_t, std::unique_ptr<monitor::HealthProbe>> probes_;
  std::map<int, bool> memory_reload_;  // instances being replaced for max_memory_restart
};

}  // namespace clab::pm
