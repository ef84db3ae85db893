// Primary: the cluster's primary process (Node's cluster.isPrimary side) for a program
// that is its own cluster: one WorkerGroup re-running this program, in an event loop of
// its own, stopped by SIGINT/SIGTERM (a second one kills at once).
//
// Single-threaded: run() owns one EventLoop holding the group's sockets and a signalfd for
// SIGCHLD, SIGINT and SIGTERM; every event callback runs on that thread. Invariant: every
// child this process reaps is handed to the group, which alone decides what its exit means.
#pragma once

#include <functional>
#include <optional>

#include "cluster/event_loop.hpp"
#include "cluster/worker_group.hpp"
#include "proc/signal_set.hpp"

namespace clab::cluster {

class Primary final {
 public:
  Primary(ClusterSettings settings, ClusterEvents events);
  Primary(const Primary&) = delete;
  Primary& operator=(const Primary&) = delete;

  // Binds the port (so port() is known) and blocks SIGCHLD, SIGINT, SIGTERM into a
  // signalfd. Call once, before run(), from the main thread before any other thread starts.
  Status start();
  // Forks the workers and dispatches events until every worker has exited after a stop.
  // Returns 0 when all workers stopped in time; 1 when any had to be SIGKILLed or a slot
  // was left errored (when every slot errored, the cluster stopped by itself).
  int run();
  // Begins a stop, as SIGTERM does. Call from an event callback.
  void stop(int signal = SIGTERM) { group_.stop(signal); }
  // Stops one worker gracefully (SIGINT or a shutdown message, SIGKILL after
  // kill_timeout); it is not respawned.
  void stop_worker(Worker& worker) { group_.request_stop(worker, {}); }

  std::uint16_t port() const { return group_.port(); }
  const ClusterSettings& settings() const { return group_.settings(); }
  std::vector<Worker*> workers() { return group_.workers(); }
  const WorkerGroup& group() const { return group_; }
  // The loop run() dispatches on: other servers of the primary (its /metrics) may join it.
  EventLoop& loop() { return loop_; }

 private:
  void on_signal();

  EventLoop loop_;
  std::function<void(const Error&)> report_;
  std::optional<proc::SignalSet> signals_;
  WorkerGroup group_;
};

}  // namespace clab::cluster
