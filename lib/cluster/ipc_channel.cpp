#include "cluster/ipc_channel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>

namespace clab::cluster {

Result<std::pair<IpcChannel, UniqueFd>> IpcChannel::create_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return errno_error("ipc socketpair");
  }
  UniqueFd mine(sv[0]), theirs(sv[1]);
  if (!set_nonblocking(mine.get())) return errno_error("ipc fcntl");
  return std::pair<IpcChannel, UniqueFd>{IpcChannel(std::move(mine)), std::move(theirs)};
}

IpcChannel::IpcChannel(UniqueFd fd) : fd_(std::move(fd)) {
  set_nonblocking(fd_.get());
}

Status IpcChannel::send(const nlohmann::json& body, std::span<const int> fds) {
  if (!fd_) return Error{"ipc send: channel is closed"};
  Outgoing out;
  out.bytes = encode_frame(body, fds.size());
  for (int fd : fds) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return errno_error("ipc send: dup");
    out.fds.emplace_back(copy);
  }
  outbox_.push_back(std::move(out));
  return flush();
}

Status IpcChannel::flush() {
  blocked_on_descriptors_ = false;
  while (!outbox_.empty()) {
    Outgoing& out = outbox_.front();
    iovec iov{out.bytes.data() + out.offset, out.bytes.size() - out.offset};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)> control{};
    if (out.offset == 0 && !out.fds.empty()) {
      const std::size_t n = out.fds.size();
      msg.msg_control = control.data();
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
      cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n);
      auto* data = reinterpret_cast<int*>(CMSG_DATA(cmsg));
      for (std::size_t i = 0; i < n; ++i)
        data[i] = out.fds[i].get();
    }
    const ssize_t written = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
      if (errno == ETOOMANYREFS) {
        blocked_on_descriptors_ = true;
        return {};
      }
      return errno_error("ipc send");
    }
    if (out.offset == 0) out.fds.clear();  // the kernel holds its own references now
    out.offset += static_cast<std::size_t>(written);
    if (out.offset == out.bytes.size()) outbox_.pop_front();
  }
  return {};
}

Status IpcChannel::flush_blocking(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (auto s = flush(); !s) return s;
    if (outbox_.empty()) return {};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error{"ipc send: timed out waiting for the peer to read"};
    pollfd p{fd_.get(), POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return errno_error("ipc poll");
    }
  }
}

Result<IpcChannel::ReadState> IpcChannel::read_available(std::vector<IpcMessage>& out) {
  if (!fd_) return ReadState::Closed;
  std::array<char, 64 * 1024> buffer;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)> control;
  for (;;) {
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadState::Open;
      if (errno == ECONNRESET) return ReadState::Closed;
      return errno_error("ipc receive");
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const auto* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
      for (std::size_t i = 0; i < count; ++i)
        decoder_.feed_fd(UniqueFd(fds[i]));
    }
    // Out of descriptors: the kernel could not install them (see FrameDecoder::fds_lost).
    if (msg.msg_flags & MSG_CTRUNC) decoder_.fds_lost();
    if (n == 0) return ReadState::Closed;
    decoder_.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    // Decoded read by read: a read carries the descriptors of at most one frame (the kernel
    // stops at a message with descriptors), so lost ones are matched to the right frame.
    for (;;) {
      auto next = decoder_.next();
      if (!next) return next.error();
      if (!next.value()) break;
      out.push_back(std::move(*next.value()));
    }
  }
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
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return errno_error("ipc poll");
    }
  }
}

}  // namespace clab::cluster
