#include "http/socket_stream.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "net/socket_address.hpp"

namespace clab::http {
namespace {

bool poll_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

}  // namespace

bool SocketStream::is_readable() const {
  return has_buffered_input() || poll_for(fd_, POLLIN, read_timeout_);
}

bool SocketStream::input_ready() const {
  return has_buffered_input() || poll_for(fd_, POLLIN, std::chrono::milliseconds(0));
}

bool SocketStream::is_writable() const {
  return poll_for(fd_, POLLOUT, write_timeout_);
}

SocketStream::Wait SocketStream::wait_readable(std::chrono::milliseconds timeout,
                                               int wake_fd) const {
  if (has_buffered_input()) return Wait::Readable;
  pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(p, 2, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Wait::TimedOut;
    if (p[0].revents != 0) return Wait::Readable;
    return Wait::Woken;
  }
}

// Reads and writes try the socket first and poll only when it would block: one system
// call per operation on a busy keep-alive connection.
ssize_t SocketStream::read(char* ptr, size_t size) {
  if (!has_buffered_input()) {
    const bool direct = size >= buffer_.size();  // large reads bypass the buffer
    char* target = direct ? ptr : buffer_.data();
    const std::size_t capacity = direct ? size : buffer_.size();
    ssize_t n = ::recv(fd_, target, capacity, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!poll_for(fd_, POLLIN, read_timeout_)) return -1;
      n = ::recv(fd_, target, capacity, MSG_DONTWAIT);
    }
    if (n <= 0 || direct) return n;
    begin_ = 0;
    end_ = static_cast<std::size_t>(n);
  }
  const std::size_t count = std::min(size, end_ - begin_);
  std::memcpy(ptr, buffer_.data() + begin_, count);
  begin_ += count;
  return static_cast<ssize_t>(count);
}

ssize_t SocketStream::write(const char* ptr, size_t size) {
  ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    if (!poll_for(fd_, POLLOUT, write_timeout_)) return -1;
    n = ::send(fd_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  return n;
}

void SocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  if (auto address = net::SocketAddress::peer_of(fd_)) {
    ip = address->ip();
    port = address->port();
  }
}

void SocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
  if (auto address = net::SocketAddress::local_of(fd_)) {
    ip = address->ip();
    port = address->port();
  }
}

}  // namespace clab::http
