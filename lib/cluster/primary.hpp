// Primary: the cluster's primary process (Node's cluster.isPrimary side).
//
// It forks one worker per slot by re-executing the program with the worker environment
// (environment.hpp), shares the port according to the ListenPolicy, respawns workers that
// exit unexpectedly (RespawnPolicy) and stops them all on SIGINT/SIGTERM: disconnect and
// SIGINT each, SIGKILL whatever is left after kill_timeout.
//
// Each worker's life follows the lifecycle table (worker_lifecycle.hpp): every IPC message,
// timer, stop request and reaped exit becomes an event fed to the table, and apply()
// executes the actions it returns; no other code changes a worker's state. A slot whose
// process cannot even be created (out of descriptors or processes) is retried with
// backoff like a failed start; when every slot has errored the cluster stops by itself.
//
// Single-threaded: run() owns one EventLoop holding the listening socket (round-robin),
// each worker's IPC channel and a signalfd for SIGCHLD, SIGINT and SIGTERM. Every event
// callback runs on that thread. Invariant: each live worker process has one Worker entry
// until it is reaped; a worker whose stop was requested is never respawned.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/event_loop.hpp"
#include "cluster/listen_policy.hpp"
#include "cluster/respawn_policy.hpp"
#include "cluster/worker_handle.hpp"
#include "proc/signal_set.hpp"

namespace clab::cluster {

struct ClusterSettings {
  int workers = 1;
  ListenPolicy policy = ListenPolicy::RoundRobin;
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
  // The program and arguments each worker runs; argv[0] is only its name: the executable
  // is always this program's own (/proc/self/exe), as Node re-runs process.argv[1].
  std::vector<std::string> argv;
};

// Node's cluster events. Each is optional.
struct ClusterEvents {
  std::function<void(Worker&)> fork;
  std::function<void(Worker&)> online;
  std::function<void(Worker&)> listening;
  std::function<void(Worker&)> ready;
  std::function<void(Worker&)> listen_timeout;  // killed: not ready within listen_timeout
  std::function<void(int instance, std::size_t live_workers)> errored;  // slot left stopped
  std::function<void(Worker&)> disconnect;
  std::function<void(Worker&, const nlohmann::json&)> message;
  std::function<void(Worker&, const ExitStatus&, const RespawnDecision&)> exit;
  std::function<void(int signal, std::size_t live_workers)> stopping;  // signal 0: by itself
  std::function<void(const Error&)> error;
};

class Primary final : public WorkerSupervisor {
 public:
  Primary(ClusterSettings settings, ClusterEvents events);
  ~Primary();
  Primary(const Primary&) = delete;
  Primary& operator=(const Primary&) = delete;

  // Binds the port (so port() is known) and blocks SIGCHLD, SIGINT, SIGTERM into a
  // signalfd. Call once, before run(), from the main thread before any other thread starts.
  Status start();
  // Forks the workers and dispatches events until every worker has exited after a stop.
  // Returns 0 when all workers stopped in time; 1 when any had to be SIGKILLed or a slot
  // was left errored (when every slot errored, the cluster stopped by itself).
  int run();
  // Begins a stop, as SIGTERM does (signal 0: the primary stops by itself, every slot
  // errored). Call from an event callback.
  void stop(int signal = SIGTERM);
  // Stops one worker gracefully (SIGINT or a shutdown message, SIGKILL after
  // kill_timeout); it is not respawned.
  void stop_worker(Worker& worker);
  // A stop request asked the given way (Worker::disconnect() and kill() come here).
  void request_stop(Worker& worker, StopMethod method) override;

  std::uint16_t port() const { return port_; }
  const ClusterSettings& settings() const { return settings_; }
  std::vector<Worker*> workers();

 private:
  struct Slot {
    int instance = 0;
    RespawnPolicy policy;
    Worker* worker = nullptr;
    std::optional<EventLoop::TimerId> respawn_timer;
    bool errored = false;
  };

  void fork_worker(Slot& slot);
  // Feeds one event to the worker's lifecycle table and executes the actions it returns.
  void apply(Worker& worker, WorkerEvent event);
  void execute(Worker& worker, WorkerAction action);
  // Runs `event` on the worker with this pid after `delay`, if it is still there then.
  void after(Worker& worker, std::chrono::milliseconds delay, WorkerEvent event);
  void ask_to_stop(Worker& worker);
  void on_spawn_failure(Slot& slot, const Error& error);
  void act_on(Slot& slot, const RespawnDecision& decision);
  void stop_if_every_slot_errored();
  void on_signal();
  void reap_children();
  void on_channel_event(Worker& worker, std::uint32_t events);
  void on_internal_message(Worker& worker, const std::string& command, const nlohmann::json& body);
  void send_listen_instructions(Worker& worker);
  void on_worker_exit(Worker& worker);
  void close_channel(Worker& worker);
  void update_channel_interest(Worker& worker);
  // Round-robin: accept pending connections and hand each to the next available worker.
  void accept_connections();
  // Round-robin: hands every pending connection to a worker that can take one now.
  void dispatch_pending();
  // Takes back the connections a worker never acknowledged, to hand them to others.
  void reclaim_unacked(Worker& worker);
  // The worker next in rotation that can take a connection now; nullptr when none can.
  Worker* next_round_robin_worker(bool advance);
  void set_accepting(bool on);
  // Round-robin: connections accepted and not yet acknowledged by a worker.
  std::size_t held_connections() const;
  // Raises the descriptor limit and sets connection_budget_ and max_unacked_ from it.
  void budget_descriptors();
  void finish_if_stopped();
  void report(const Error& error);

  ClusterSettings settings_;
  ClusterEvents events_;
  EventLoop loop_;
  std::optional<proc::SignalSet> signals_;
  UniqueFd listener_;  // round-robin and shared: listening; reuseport: bound only
  std::uint16_t port_ = 0;
  std::string executable_;
  std::vector<Slot> slots_;
  std::map<pid_t, std::unique_ptr<Worker>> workers_;  // live processes by pid
  int next_worker_id_ = 1;
  std::map<int, Worker*> by_id_;  // the same live workers, in id order (round-robin)
  int last_round_robin_id_ = 0;
  std::uint64_t next_connection_seq_ = 1;
  std::deque<UniqueFd> pending_;                  // round-robin: accepted, waiting for a worker
  static constexpr std::size_t kMaxUnacked = 64;  // per worker: flow control, as Node's
  static constexpr std::size_t kMaxPending = 4096;
  // Round-robin: the most connections held at once (accepted, not acknowledged), and per
  // worker unacknowledged, sized from the descriptor limit so the primary never runs out.
  std::size_t connection_budget_ = kMaxPending;
  std::size_t max_unacked_ = kMaxUnacked;
  LifecycleOptions lifecycle_;
  bool accepting_ = false;
  bool stopping_ = false;
  bool killed_any_ = false;
  bool failed_stop_ = false;  // a worker exited non-zero while the cluster stopped
};

}  // namespace clab::cluster
