// TCP listening sockets: bind (IPv4 or IPv6), listen with a full backlog, and the port a socket
// got. Below both lib/cluster (which hands sockets to workers) and lib/coord (which only needs a
// free port for a test server); errors name the address and the system call.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::net {

struct ListenOptions {
  bool reuse_port = false;  // SO_REUSEPORT: several sockets on one port
  bool listen = true;       // false: bind only, to reserve the port
  bool nonblocking = true;
};

// A TCP socket bound to host:port (an IPv4 or IPv6 literal, or "localhost"), listening with a
// backlog of SOMAXCONN when options.listen. Port 0 picks a free port; see bound_port().
Result<UniqueFd> bind_tcp(const std::string& host, std::uint16_t port, ListenOptions options);

// The local port a socket is bound to.
Result<std::uint16_t> bound_port(int fd);

}  // namespace clab::net
