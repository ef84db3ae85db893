#include "http/lingering_close.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace clab::http {

void lingering_close(int fd, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  if (::shutdown(fd, SHUT_WR) != 0) return;  // not connected any more: nothing to protect
  const auto deadline = Clock::now() + timeout;
  std::array<char, 4096> scratch;
  for (;;) {
    const ssize_t n = ::recv(fd, scratch.data(), scratch.size(), MSG_DONTWAIT);
    if (n > 0) continue;
    if (n == 0) return;  // the client closed: nothing more can arrive
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return;  // reset: nothing left to protect
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) == 0) return;
  }
}

}  // namespace clab::http
