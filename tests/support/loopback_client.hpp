// A raw client socket on 127.0.0.1, for what an HTTP client library hides: pipelining,
// resets, end of file, thousands of connections held open.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstdint>

#include "core/unique_fd.hpp"

namespace clab::testing {

// Connected, with a 5 s receive timeout (a test that would hang fails instead); an empty
// descriptor when the connection failed (errno says why).
inline UniqueFd connect_to_loopback(std::uint16_t port) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};
  const timeval five_seconds{5, 0};
  ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  return s;
}

}  // namespace clab::testing
