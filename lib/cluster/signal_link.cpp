#include "cluster/signal_link.hpp"

#include <csignal>

#include <fmt/format.h>

#include "cluster/worker_handle.hpp"

namespace clab::cluster {

SpawnPlan SignalLink::plan(int, int) {
  SpawnPlan plan;
  plan.environment = {{"NOTIFY_SOCKET", notify_address_}};
  plan.activation_fd = activation_fd_;
  return plan;
}

void SignalLink::started(Worker& worker) {
  // It runs: that is all a program without a channel can say (READY=1 comes later).
  events_.said(worker, WorkerEvent::SaidOnline);
  events_.said(worker, WorkerEvent::SaidListening);
}

Status SignalLink::send(const nlohmann::json&, std::span<const int>) {
  return Error{"this worker has no IPC channel: it speaks no protocol of ours"};
}

void SignalLink::ask_to_stop(Worker& worker, const StopMethod& method) {
  switch (method.kind) {
    case StopMethod::Kind::Signal:
      ::kill(worker.pid(), method.signal);
      return;
    case StopMethod::Kind::Disconnect:
      return;  // nothing to disconnect: kill_timeout ends it
    case StopMethod::Kind::ClusterDefault:
      ::kill(worker.pid(), SIGINT);
      return;
  }
}

}  // namespace clab::cluster
