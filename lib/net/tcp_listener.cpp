#include "net/tcp_listener.hpp"

#include <sys/socket.h>

#include <fmt/format.h>

#include "net/socket_address.hpp"

namespace clab::net {

Result<UniqueFd> bind_tcp(const std::string& host, std::uint16_t port, ListenOptions options) {
  const std::string where = host_port(host, port);
  auto address = SocketAddress::parse(host, port);
  if (!address) return Error{fmt::format("bind {}: {}", where, address.error().message)};
  int type = SOCK_STREAM | SOCK_CLOEXEC | (options.nonblocking ? SOCK_NONBLOCK : 0);
  UniqueFd fd(::socket(address->family(), type, 0));
  if (!fd) return errno_error("socket");
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (options.reuse_port &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    return errno_error("setsockopt SO_REUSEPORT");
  }
  if (::bind(fd.get(), address->get(), address->length()) != 0) {
    return errno_error("bind " + where);
  }
  if (options.listen && ::listen(fd.get(), SOMAXCONN) != 0) return errno_error("listen " + where);
  return fd;
}

Result<std::uint16_t> bound_port(int fd) {
  auto address = SocketAddress::local_of(fd);
  if (!address) return address.error();
  return address->port();
}

}  // namespace clab::net
