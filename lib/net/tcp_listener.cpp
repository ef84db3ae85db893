#include "net/tcp_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace clab::net {

Result<UniqueFd> bind_tcp(const std::string& host, std::uint16_t port, ListenOptions options) {
  const std::string where = fmt::format("{}:{}", host, port);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  const std::string literal = host == "localhost" ? "127.0.0.1" : host;
  if (::inet_pton(AF_INET, literal.c_str(), &addr.sin_addr) != 1) {
    return Error{fmt::format("bind {}: '{}' is not an IPv4 address", where, host)};
  }
  int type = SOCK_STREAM | SOCK_CLOEXEC | (options.nonblocking ? SOCK_NONBLOCK : 0);
  UniqueFd fd(::socket(AF_INET, type, 0));
  if (!fd) return errno_error("socket");
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (options.reuse_port &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    return errno_error("setsockopt SO_REUSEPORT");
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return errno_error("bind " + where);
  }
  if (options.listen && ::listen(fd.get(), SOMAXCONN) != 0) return errno_error("listen " + where);
  return fd;
}

Result<std::uint16_t> bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return errno_error("getsockname");
  }
  return static_cast<std::uint16_t>(ntohs(addr.sin_port));
}

}  // namespace clab::net
