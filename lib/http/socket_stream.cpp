#include "http/socket_stream.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace clab::http {

SocketStream::Wait SocketStream::wait_readable(std::chrono::milliseconds timeout,
                                               int wake_fd) const {
  pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  const nfds_t count = wake_fd >= 0 ? 2 : 1;
  for (;;) {
    const int n = ::poll(p, count, static_cast<int>(std::max<long>(timeout.count(), 0)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Wait::TimedOut;
    if (p[0].revents != 0) return Wait::Readable;
    return Wait::Woken;
  }
}

ssize_t SocketStream::receive_now(char* buffer, std::size_t size) const {
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, size, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

bool SocketStream::send_all(std::string_view data, std::chrono::milliseconds timeout) const {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    pollfd p{fd_, POLLOUT, 0};
    int ready = 0;
    do {
      ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) return false;
  }
  return true;
}

}  // namespace clab::http
