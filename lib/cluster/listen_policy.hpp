// How the workers of a cluster share one port. The lessons compare all three.
//
//   RoundRobin  the primary accepts and hands each connection to the next worker over IPC
//               (Node's SCHED_RR, its default on Linux).
//   Shared      every worker accepts on one listening socket the primary created and sent
//               it; the kernel picks which waiting worker wins (Node's SCHED_NONE).
//   ReusePort   each worker binds its own socket with SO_REUSEPORT; the kernel hashes each
//               new connection to one of them.
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

namespace clab::cluster {

enum class ListenPolicy { RoundRobin, Shared, ReusePort };

std::optional<ListenPolicy> parse_listen_policy(std::string_view text);
std::string_view to_string(ListenPolicy policy);
std::ostream& operator<<(std::ostream& out, ListenPolicy policy);
inline constexpr std::string_view kListenPolicyChoices = "round-robin, shared or reuseport";

}  // namespace clab::cluster
