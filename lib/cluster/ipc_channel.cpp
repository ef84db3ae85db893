#include "cluster/ipc_channel.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <chrono>

namespace clab::cluster {

Result<std::pair<IpcChannel, UniqueFd>> IpcChannel::create_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return errno_error("ipc socketpair");
  }
  UniqueFd mine(sv[0]), theirs(sv[1]);
  return std::pair<IpcChannel, UniqueFd>{IpcChannel(std::move(mine)), std::move(theirs)};
}

Status IpcChannel::send(const nlohmann::json& body, std::span<const int> fds) {
  std::vector<UniqueFd> copies;
  for (int fd : fds) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return errno_error("ipc send: dup");
    copies.emplace_back(copy);
  }
  return stream_.queue(encode_frame(body, fds.size()), std::move(copies));
}

Result<IpcChannel::ReadState> IpcChannel::read_available(std::vector<IpcMessage>& out) {
  // Decoded read by read: a read carries the descriptors of at most one frame (the kernel
  // stops at a message with descriptors), so lost ones are matched to the right frame.
  return stream_.read_available([&](DescriptorStream::Chunk chunk) -> Status {
    for (auto& fd : chunk.fds)
      decoder_.feed_fd(std::move(fd));
    // Out of descriptors: the kernel could not install them (see FrameDecoder::fds_lost).
    if (chunk.fds_lost) decoder_.fds_lost();
    decoder_.feed(chunk.bytes);
    for (;;) {
      auto next = decoder_.next();
      if (!next) return next.error();
      if (!next.value()) return {};
      out.push_back(std::move(*next.value()));
    }
  });
}

Result<std::optional<IpcMessage>> IpcChannel::receive(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (!ready_.empty()) {
      IpcMessage m = std::move(ready_.front());
      ready_.erase(ready_.begin());
      return std::optional<IpcMessage>{std::move(m)};
    }
    auto state = read_available(ready_);
    if (!state) return state.error();
    if (!ready_.empty()) continue;
    if (state.value() == ReadState::Closed) return std::optional<IpcMessage>{};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error{"ipc receive: timed out"};
    if (auto readable = stream_.wait_readable(static_cast<int>(left.count())); !readable)
      return readable.error();
  }
}

}  // namespace clab::cluster
