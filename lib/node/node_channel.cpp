#include "node/node_channel.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace clab::node {
namespace {

using nlohmann::json;

Result<UniqueFd> duplicate(int fd) {
  UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!copy) return errno_error("node channel: dup");
  return copy;
}

}  // namespace

Result<std::pair<NodeChannel, UniqueFd>> NodeChannel::create_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return errno_error("node channel socketpair");
  return std::pair<NodeChannel, UniqueFd>{NodeChannel(UniqueFd(sv[0])), UniqueFd(sv[1])};
}

void NodeChannel::close() {
  stream_.close();
  decoder_ = NodeMessageDecoder();
  in_flight_.reset();
  queue_.clear();
}

Status NodeChannel::send(json message) {
  Outgoing outgoing{std::move(message), UniqueFd(), 0};
  if (in_flight_) {
    queue_.push_back(std::move(outgoing));
    return {};
  }
  return write(std::move(outgoing));
}

Status NodeChannel::send_handle(json message, int fd, std::string type) {
  auto copy = duplicate(fd);
  if (!copy) return copy.error();
  Outgoing outgoing{
      json{{"cmd", "NODE_HANDLE"}, {"type", std::move(type)}, {"msg", std::move(message)}},
      std::move(copy.value()), 0};
  if (in_flight_) {
    queue_.push_back(std::move(outgoing));
    return {};
  }
  return write(std::move(outgoing));
}

Status NodeChannel::write(Outgoing outgoing) {
  if (auto s = write_line(outgoing.message, outgoing.handle.get()); !s) return s;
  if (outgoing.handle) in_flight_ = std::move(outgoing);
  return {};
}

Status NodeChannel::write_line(const json& message, int fd) {
  // JSON.stringify's form: compact, non-ASCII as it is.
  std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace);
  line += '\n';
  std::vector<UniqueFd> fds;
  if (fd >= 0) {
    auto copy = duplicate(fd);
    if (!copy) return copy.error();
    fds.push_back(std::move(copy.value()));
  }
  return stream_.queue(std::move(line), std::move(fds));
}

Status NodeChannel::on_ack(bool acknowledged, std::vector<std::string>& problems) {
  if (in_flight_) {
    if (!acknowledged && in_flight_->retransmissions++ < kMaxHandleRetransmissions)
      return write_line(in_flight_->message, in_flight_->handle.get());
    if (!acknowledged) {
      problems.push_back(fmt::format("a handle did not reach the process after {} retransmissions",
                                     kMaxHandleRetransmissions));
    }
    in_flight_.reset();
  }
  while (!in_flight_ && !queue_.empty()) {
    Outgoing next = std::move(queue_.front());
    queue_.pop_front();
    if (auto s = write(std::move(next)); !s) return s;
  }
  return {};
}

void NodeChannel::on_envelope(NodeMessage envelope, std::vector<Received>& out) {
  // Acknowledgements pass the queue: the peer's own queue waits for them.
  const bool arrived = envelope.handle.valid();
  (void)write_line({{"cmd", arrived ? "NODE_HANDLE_ACK" : "NODE_HANDLE_NACK"}}, -1);
  if (!arrived) return;  // the peer sends it again
  json inner = envelope.body.value("msg", json());
  const bool internal = is_internal(inner);
  out.push_back({std::move(inner), std::move(envelope.handle), internal});
}

Result<NodeChannel::ReadState> NodeChannel::read_available(std::vector<Received>& out,
                                                           std::vector<std::string>& problems) {
  auto state = stream_.read_available([&](cluster::DescriptorStream::Chunk chunk) -> Status {
    for (auto& fd : chunk.fds)
      decoder_.feed_handle(std::move(fd));
    if (chunk.fds_lost) problems.push_back("descriptors sent with a message were lost: no room");
    decoder_.feed(chunk.bytes);
    for (;;) {
      auto next = decoder_.next();
      if (!next) {
        problems.push_back(next.error().message);
        if (decoder_.broken()) return Error{"the channel's framing is broken"};
        continue;
      }
      if (!next.value()) return {};
      NodeMessage message = std::move(*next.value());
      const bool internal = is_internal(message.body);
      const std::string cmd = internal ? message.body["cmd"].get<std::string>() : "";
      if (cmd == "NODE_HANDLE_ACK" || cmd == "NODE_HANDLE_NACK") {
        if (auto s = on_ack(cmd == "NODE_HANDLE_ACK", problems); !s) return s;
      } else if (cmd == "NODE_HANDLE") {
        on_envelope(std::move(message), out);
      } else {
        out.push_back({std::move(message.body), UniqueFd(), internal});
      }
    }
  });
  if (!state && decoder_.broken()) return ReadState::Closed;
  return state;
}

}  // namespace clab::node
