#include "cluster/worker_handle.hpp"

#include <fmt/format.h>

namespace clab::cluster {

Status Worker::send(const nlohmann::json& message, std::span<const int> fds) {
  if (!channel_.is_open()) return Error{fmt::format("worker {}: IPC channel is closed", id_)};
  return channel_.send(message, fds);
}

void Worker::disconnect() {
  supervisor_.request_stop(*this, {.kind = StopMethod::Kind::Disconnect});
}

void Worker::kill(int signal) {
  supervisor_.request_stop(*this, {.kind = StopMethod::Kind::Signal, .signal = signal});
}

}  // namespace clab::cluster
