// SocketAddress: an IP address and port as the kernel takes them (sockaddr_in or
// sockaddr_in6), parsed from what a user types: an IPv4 literal, an IPv6 literal (brackets
// optional, as in a URL) or "localhost". Invariant: storage holds a complete address of
// family() and length() bytes.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace clab::net {

class SocketAddress {
 public:
  // "127.0.0.1", "::1", "[::1]", "localhost" (127.0.0.1). Anything else is an error naming it.
  static Result<SocketAddress> parse(const std::string& host, std::uint16_t port);
  // The local address a socket is bound to, and the address of its peer.
  static Result<SocketAddress> local_of(int fd);
  static Result<SocketAddress> peer_of(int fd);
  // Takes a resolver's answer (getaddrinfo's ai_addr).
  static SocketAddress from(const sockaddr* address, socklen_t length);

  int family() const { return storage_.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const { return length_; }
  std::uint16_t port() const;
  void set_port(std::uint16_t port);
  std::string ip() const;  // "127.0.0.1", "::1" (no brackets)

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

// host:port as it appears in a URL or a Host header: "127.0.0.1:80", "[::1]:80".
std::string host_port(const std::string& host, std::uint16_t port);

}  // namespace clab::net
