#include "cluster/descriptor_stream.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <chrono>

namespace clab::cluster {

DescriptorStream::DescriptorStream(UniqueFd fd) : fd_(std::move(fd)) {
  set_nonblocking(fd_.get());
}

void DescriptorStream::close() {
  fd_.reset();
  outbox_.clear();
}

Status DescriptorStream::queue(std::string bytes, std::vector<UniqueFd> fds) {
  if (!fd_) return Error{"ipc send: channel is closed"};
  if (fds.size() > kMaxFdsPerMessage) return Error{"ipc send: too many descriptors"};
  outbox_.push_back({std::move(bytes), 0, std::move(fds)});
  return flush();
}

Status DescriptorStream::flush() {
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

Status DescriptorStream::flush_blocking(int timeout_ms) {
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

Result<DescriptorStream::ReadState> DescriptorStream::read_available(
    const std::function<Status(Chunk)>& on_chunk) {
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
    Chunk chunk;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const auto* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
      for (std::size_t i = 0; i < count; ++i)
        chunk.fds.emplace_back(fds[i]);
    }
    chunk.fds_lost = (msg.msg_flags & MSG_CTRUNC) != 0;
    if (n == 0) return ReadState::Closed;
    chunk.bytes = std::string_view(buffer.data(), static_cast<std::size_t>(n));
    if (auto s = on_chunk(std::move(chunk)); !s) return s.error();
  }
}

Result<bool> DescriptorStream::wait_readable(int timeout_ms) const {
  pollfd p{fd_.get(), POLLIN, 0};
  const int ready = ::poll(&p, 1, timeout_ms);
  if (ready < 0 && errno != EINTR) return errno_error("ipc poll");
  return ready > 0;
}

}  // namespace clab::cluster
