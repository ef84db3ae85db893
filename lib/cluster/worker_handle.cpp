#include "cluster/worker_handle.hpp"

namespace clab::cluster {

Status Worker::send(const nlohmann::json& message, std::span<const int> fds) {
  return link_->send(message, fds);
}

void Worker::disconnect() {
  supervisor_.request_stop(*this, {.kind = StopMethod::Kind::Disconnect});
}

void Worker::kill(int signal) {
  supervisor_.request_stop(*this, {.kind = StopMethod::Kind::Signal, .signal = signal});
}

}  // namespace clab::cluster
