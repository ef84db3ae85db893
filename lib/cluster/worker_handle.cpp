#include "cluster/worker_handle.hpp"

#include <fmt/format.h>

#include "cluster/wire.hpp"

namespace clab::cluster {

std::string_view to_string(WorkerState state) {
  switch (state) {
    case WorkerState::Starting:
      return "starting";
    case WorkerState::Online:
      return "online";
    case WorkerState::Listening:
      return "listening";
    case WorkerState::Stopping:
      return "stopping";
    case WorkerState::Exited:
      return "exited";
  }
  return "?";
}

Status Worker::send(const nlohmann::json& message, std::span<const int> fds) {
  if (!channel_.is_open()) return Error{fmt::format("worker {}: IPC channel is closed", id_)};
  return channel_.send(message, fds);
}

void Worker::disconnect() {
  if (!is_alive()) return;
  stop_requested_ = true;
  state_ = WorkerState::Stopping;
  if (channel_.is_open()) (void)channel_.send(wire::internal(wire::kDisconnect));
}

void Worker::kill(int signal) {
  if (!is_alive()) return;
  stop_requested_ = true;
  state_ = WorkerState::Stopping;
  ::kill(pid_, signal);
}

}  // namespace clab::cluster
