// How the workers of a cluster share one port. The lessons compare all three.
//
//   RoundRobin  the primary accepts and hands each connection to the next worker over IPC
//               (Node's SCHED_RR, its default on Linux).
//   Shared      every worker accepts on one listening socket the primary created and sent
//               it; the kernel picks which waiting worker wins (Node's SCHED_NONE).
//   ReusePort   each worker binds its own socket with SO_REUSEPORT; the kernel hashes each
//               new connection to one of them.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::cluster {

enum class ListenPolicy { RoundRobin, Shared, ReusePort };

std::optional<ListenPolicy> parse_listen_policy(std::string_view text);
std::string_view to_string(ListenPolicy policy);
std::ostream& operator<<(std::ostream& out, ListenPolicy policy);
inline constexpr std::string_view kListenPolicyChoices = "round-robin, shared or reuseport";

struct ListenOptions {
  bool reuse_port = false;  // SO_REUSEPORT: several sockets on one port
  bool listen = true;       // false: bind only, to reserve the port
  bool nonblocking = true;
};

// A TCP socket bound to host:port (IPv4 literal or "localhost"), listening with a backlog of
// SOMAXCONN when options.listen. Port 0 picks a free port; see bound_port().
Result<UniqueFd> bind_tcp(const std::string& host, std::uint16_t port, ListenOptions options);

// The local port a socket is bound to.
Result<std::uint16_t> bound_port(int fd);

}  // namespace clab::cluster
