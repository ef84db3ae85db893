// WorkerGroup: one program's instances sharing one port, supervised inside an event loop
// that someone else runs: the Primary's (one group, a demo) or the pm daemon's (one group
// per app). It forks one process per slot, shares the port according to the ListenPolicy,
// respawns processes that exit unexpectedly (RespawnPolicy), replaces them one by one
// without a gap (reload) and stops them: disconnect and SIGINT each, SIGKILL whatever is
// left after kill_timeout.
//
// Each process's life follows the lifecycle table (worker_lifecycle.hpp): every IPC
// message, timer, stop request and reaped exit becomes an event fed to the table, and
// apply() executes the actions it returns; no other code changes a worker's state. A slot
// whose process cannot even be created (out of descriptors or processes) is retried with
// backoff like a failed start; when every slot has errored the group stops by itself.
//
// Four ways to speak to a process (WorkerProtocol), each a WorkerLink: ClusterLab's IPC
// protocol (online, listening, ready, connections handed over: clusterlab_link.hpp),
// systemd's socket activation (the shared listening socket as descriptor 3, LISTEN_FDS=1;
// readiness by READY=1 on NOTIFY_SOCKET when wait_ready), none at all (fork mode: any
// command, up once it runs, or once it says READY=1: signal_link.hpp), or Node's own IPC
// channel (a Node program in fork mode, ready once it sends 'ready': node/node_link.hpp).
// The group's other parts: the spawner (worker_spawner.hpp), the notify socket
// (notify_socket.hpp) and round-robin's handoff (round_robin_handoff.hpp).
//
// The owner reaps children (waitpid) and passes each exit to on_reaped(). Single-threaded:
// every callback runs on the loop's thread. Invariants: each live process has one Worker
// entry until it is reaped; a worker whose stop was requested is never respawned; a slot
// has at most one serving worker and at most one replacement on its way up, and the
// serving one is asked to stop only once its replacement is up.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/event_loop.hpp"
#include "cluster/listen_policy.hpp"
#include "cluster/notify_socket.hpp"
#include "cluster/respawn_policy.hpp"
#include "cluster/round_robin_handoff.hpp"
#include "cluster/worker_handle.hpp"
#include "cluster/worker_link.hpp"
#include "cluster/worker_spawner.hpp"

namespace clab::cluster {

enum class WorkerProtocol {
  ClusterLab,        // IPC channel and listen instructions (a ClusterLab worker)
  SocketActivation,  // the listening socket as fd 3, LISTEN_FDS=1, LISTEN_PID
  None,              // no socket, no channel: fork mode
  Node,              // Node's IPC channel (NODE_CHANNEL_FD), no socket: a Node program in fork mode
};

// The write ends a process gets as its stdout and stderr (the owner keeps the read ends).
struct ChildStdio {
  UniqueFd out;
  UniqueFd err;
};

struct ClusterSettings {
  int workers = 1;
  ListenPolicy policy = ListenPolicy::RoundRobin;
  WorkerProtocol protocol = WorkerProtocol::ClusterLab;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: pick a free port
  RespawnSettings respawn;
  // Stopping a worker: SIGINT (or a "shutdown" message), SIGKILL after kill_timeout.
  std::chrono::milliseconds kill_timeout{1600};
  bool shutdown_with_message = false;
  // wait_ready: a worker is up (and gets round-robin connections) only once it says
  // "ready"; one that has not within listen_timeout is killed and counts as a failed start.
  bool wait_ready = false;
  std::chrono::milliseconds listen_timeout{3000};
  // ClusterLab workers send a heartbeat every heartbeat_interval() once listening. With a
  // heartbeat_timeout (0: off, as PM2 has none), an up worker silent for that long is hung:
  // killed (SIGKILL) and respawned; silent for two intervals it is suspect, and round-robin
  // hands it no connection until it beats again (gunicorn's worker timeout, with an early
  // warning).
  std::chrono::milliseconds heartbeat_timeout{0};
  std::chrono::milliseconds heartbeat_interval() const;
  // The program each worker runs and its arguments (argv[0] is only its name). An empty
  // executable is this program's own (/proc/self/exe), as Node re-runs process.argv[1].
  std::string executable;
  std::vector<std::string> argv;
  // The environment ("NAME=value"); empty: this process's. The cluster's own variables
  // are added, and what instance_environment returns for the slot.
  std::vector<std::string> environment;
  std::function<std::vector<std::pair<std::string, std::string>>(int instance)>
      instance_environment;
  std::string cwd;  // empty: this process's
  // When set, each process's stdout and stderr; a failure is a spawn failure.
  std::function<Result<ChildStdio>(int instance)> stdio;
};

// Node's cluster events. Each is optional.
struct ClusterEvents {
  std::function<void(Worker&)> fork;
  std::function<void(Worker&)> online;
  std::function<void(Worker&)> listening;
  std::function<void(Worker&)> ready;
  std::function<void(Worker&)> listen_timeout;  // killed: not ready within listen_timeout
  // heartbeat_timeout: late by two intervals (no round-robin connections meanwhile), then
  // silent past the timeout (killed); `silent` is how long since the last beat.
  std::function<void(Worker&, std::chrono::milliseconds silent)> suspect;
  std::function<void(Worker&, std::chrono::milliseconds silent)> hung;
  std::function<void(int instance, std::size_t live_workers)> errored;  // slot left stopped
  std::function<void(Worker&)> disconnect;
  std::function<void(Worker&, const nlohmann::json&)> message;
  std::function<void(Worker&, const ExitStatus&, const RespawnDecision&)> exit;
  std::function<void(int signal, std::size_t live_workers)> stopping;  // signal 0: by itself
  std::function<void()> stopped;  // stop() finished: no process of the group is left
  std::function<void(const Error&)> error;
};

class WorkerGroup final : public WorkerSupervisor, private LinkEvents {
 public:
  using Clock = Worker::Clock;
  // What replace_instance() reports: nullopt when the new process is up and the old one
  // was asked to stop, otherwise why the new one failed (the old one still serves).
  using ReplaceDone = std::function<void(std::optional<std::string> failure)>;
  // What happens when a replacement is not up within listen_timeout.
  enum class ReplaceRule {
    RollBack,          // it is stopped; the old process keeps serving
    TakeOverAtTimeout  // PM2's rule, for comparison: it replaces the old one all the same
  };

  // One slot, as listings show it.
  struct SlotView {
    int instance = 0;
    const Worker* worker = nullptr;  // the serving (or starting) process, if any
    int restarts = 0;                // every new process after the first
    bool errored = false;            // left stopped by the respawn policy
    bool stopped = false;            // stopped by request (stop_instance)
  };

  WorkerGroup(EventLoop& loop, ClusterSettings settings, ClusterEvents events);
  ~WorkerGroup();  // SIGKILLs and reaps whatever still runs
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;

  // Binds the port (so port() is known); fork mode binds nothing.
  Status bind();
  // Forks one process per slot.
  Status start();
  // An exit the owner reaped; false when the pid is not one of this group's.
  bool on_reaped(pid_t pid, int wait_status);

  // Stops every process (SIGINT or the way the settings say, SIGKILL after kill_timeout),
  // in parallel; `stopped` fires when none is left. signal 0: the group stops by itself.
  void stop(int signal = SIGTERM);
  bool stopping() const { return stopping_; }
  // A second request to stop: SIGKILL everything now.
  void kill_all();
  // 0 when every process stopped in time; 1 when any had to be SIGKILLed, exited non-zero
  // while stopping, or a slot was left errored.
  int exit_status() const;

  // Per slot: stop its process (not respawned), start it again, or replace it: start a new
  // process, wait until it is up (up to listen_timeout), then stop the old one gracefully.
  void stop_instance(int instance);
  void start_instance(int instance);
  // Stops the slot's process and starts a new one once it has exited (a port the process
  // binds itself is free again by then).
  void restart_instance(int instance);
  void replace_instance(int instance, ReplaceDone done, ReplaceRule rule = ReplaceRule::RollBack);
  // A stop request asked the given way (Worker::disconnect() and kill() come here): the
  // worker is not respawned, and is killed if still there after kill_timeout.
  void request_stop(Worker& worker, StopMethod method) override;
  // Sets the number of slots: new ones start, the highest ones stop and go.
  void scale(int workers);
  // Sends a signal to the slot's serving process (the slot's policy is unchanged).
  Status signal_instance(int instance, int signal);

  std::uint16_t port() const { return port_; }
  const ClusterSettings& settings() const { return settings_; }
  std::vector<Worker*> workers();
  std::vector<SlotView> slots() const;

 private:
  struct Slot {
    int instance = 0;
    RespawnPolicy policy;
    Worker* worker = nullptr;
    Worker* replacement = nullptr;  // reload: the new process, until it is up or fails
    ReplaceDone replace_done;
    ReplaceRule replace_rule = ReplaceRule::RollBack;
    std::optional<std::string> replace_failure;  // why the replacement is being stopped
    std::optional<EventLoop::TimerId> replace_timer;
    std::optional<EventLoop::TimerId> respawn_timer;
    int restarts = 0;
    bool spawned = false;  // a process was started for it before
    bool errored = false;
    bool stopped = false;
    bool restart_on_exit = false;  // restart_instance: a new process once this one exited
    bool retiring = false;         // scaled away: removed once its process has exited
  };

  Slot* slot_of(int instance);
  void fork_worker(Slot& slot);
  // How the group speaks with a new process, by settings_.protocol.
  Result<std::unique_ptr<WorkerLink>> make_link();
  // Feeds one event to the worker's lifecycle table and executes the actions it returns.
  void apply(Worker& worker, WorkerEvent event);
  void execute(Worker& worker, WorkerAction action);
  // A worker just came up: a replacement takes over its slot.
  void on_up(Worker& worker);
  void finish_replacement(Slot& slot, std::optional<std::string> failure);
  // Runs `event` on the worker with this pid after `delay`, if it is still there then.
  void after(Worker& worker, std::chrono::milliseconds delay, WorkerEvent event);
  void on_spawn_failure(Slot& slot, const Error& error);
  void act_on(Slot& slot, const RespawnDecision& decision);
  void stop_if_every_slot_errored();
  // LinkEvents: what the workers' links report.
  void said(Worker& worker, WorkerEvent event) override;
  void heartbeat(Worker& worker, const nlohmann::json& figures) override;
  void message(Worker& worker, const nlohmann::json& message) override;
  void channel_closed(Worker& worker) override;
  void drained(Worker& worker) override;
  void problem(Worker& worker, const Error& error) override;
  // heartbeat_timeout: marks the silent workers suspect, and the hung ones for killing.
  void check_heartbeats();
  void on_worker_exit(Worker& worker);
  // Closes the worker's channel, if it has one, as if the process had closed it.
  void close_channel(Worker& worker);
  // Round-robin: hands out queued connections (unless the group stops).
  void dispatch_connections();
  // Round-robin: the worker takes no more; its unanswered connections go to others.
  void leave_handoff(Worker& worker);
  // Raises the descriptor limit and sizes the handoff from it.
  RoundRobinHandoff::Limits budget_descriptors() const;
  void finish_if_stopped();
  void report(const Error& error);

  EventLoop& loop_;
  ClusterSettings settings_;
  ClusterEvents events_;
  UniqueFd listener_;  // round-robin, shared, socket activation: listening; reuseport: bound
  std::unique_ptr<NotifySocket> notify_;  // for processes that do not speak ClusterLab's protocol
  std::uint16_t port_ = 0;
  std::map<int, Slot> slots_;                         // by instance; references stay valid
  std::map<pid_t, std::unique_ptr<Worker>> workers_;  // live processes by pid
  int next_worker_id_ = 1;
  // Round-robin (ClusterLab's protocol): the listener's connections, handed to the workers;
  // its budget is sized from the descriptor limit so the primary never runs out.
  std::unique_ptr<RoundRobinHandoff> handoff_;
  LifecycleOptions lifecycle_;
  std::optional<EventLoop::TimerId> heartbeat_check_;
  bool started_ = false;
  bool stopping_ = false;
  bool killed_any_ = false;
  bool failed_stop_ = false;  // a worker exited non-zero while the group stopped
};

}  // namespace clab::cluster
