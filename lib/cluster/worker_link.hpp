// WorkerLink: how the primary speaks with one worker process: the part of a WorkerGroup
// that differs by protocol. ClusterLab's IPC (clusterlab_link.hpp), Node's IPC and cluster
// protocol (node/node_link.hpp), or none at all (signal_link.hpp: systemd's socket
// activation, or a plain program in fork mode).
//
// A link says what its process is started with, reads what the process says and turns it
// into lifecycle events for its group (LinkEvents), and carries the group's requests: a
// message, a stop. The group alone changes the worker's state, through its table.
// Invariant: once close() ran, a link reports nothing more.
#pragma once

#include <nlohmann/json.hpp>
#include <span>

#include "cluster/round_robin_handoff.hpp"
#include "cluster/worker_lifecycle.hpp"
#include "cluster/worker_spawner.hpp"
#include "core/error.hpp"

namespace clab::cluster {

class Worker;
struct StopMethod;

// What a link tells its group, always on the loop's thread.
class LinkEvents {
 public:
  // The process said something that moves its lifecycle: SaidOnline, SaidListening,
  // SaidReady, SaidStopping.
  virtual void said(Worker& worker, WorkerEvent event) = 0;
  virtual void heartbeat(Worker& worker, const nlohmann::json& figures) = 0;
  virtual void message(Worker& worker, const nlohmann::json& message) = 0;
  // The channel is gone (the process closed it, or exited).
  virtual void channel_closed(Worker& worker) = 0;
  // Its channel can take more now (round-robin may hand it connections again).
  virtual void drained(Worker& worker) = 0;
  virtual void problem(Worker& worker, const Error& error) = 0;

 protected:
  ~LinkEvents() = default;
};

class WorkerLink {
 public:
  virtual ~WorkerLink() = default;

  // Variables and descriptors for the process of worker `id` in slot `instance`.
  virtual SpawnPlan plan(int id, int instance) = 0;
  // The process runs: the link drops the child's ends and starts reading.
  virtual void started(Worker& worker) = 0;
  // A message from the primary (Worker::send); descriptors only where the protocol has them.
  virtual Status send(const nlohmann::json& message, std::span<const int> fds) = 0;
  // The lifecycle's SendListen: what the process needs to begin serving, if the protocol
  // sends it (ClusterLab's listen instructions); nothing for the others.
  virtual void send_listen(Worker& worker) = 0;
  // The lifecycle's AskToStop, the way `method` says.
  virtual void ask_to_stop(Worker& worker, const StopMethod& method) = 0;
  virtual bool channel_open() const = 0;
  // Round-robin: the link as the handoff sees it, if its protocol takes connections.
  virtual RoundRobinHandoff::Taker* connection_taker() { return nullptr; }
  // Reaped, or the channel failed: no more reading, nothing more reported.
  virtual void close() = 0;
};

}  // namespace clab::cluster
