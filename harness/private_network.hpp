// A private network: a check variant run inside a network namespace of its own, with a
// loopback interface and kernel settings that are its own too, so the machine's settings
// are never touched. Used to show net.ipv4.tcp_migrate_req (Linux 5.14+): with it on, the
// connections waiting in a closing SO_REUSEPORT listener's accept queue move to another
// listener of the group instead of being reset.
//
// The harness re-runs itself (`harness run CHECK --policy reuseport --private-network`),
// and that process enters the namespace before it starts any thread. Creating a network
// namespace needs root (CAP_SYS_ADMIN); where it cannot be made the variant is skipped and
// says why.
#pragma once

#include <string>
#include <vector>

#include "check.hpp"
#include "core/error.hpp"

namespace clab::harness {

// Moves this process into a new network namespace, brings its loopback up and turns
// tcp_migrate_req on there. Call before any thread starts.
Status enter_private_network();

// Whether this process's network namespace migrates requests of a closing listener.
bool tcp_migrate_req_enabled();

// Runs `check` with the reuseport policy in a private network with tcp_migrate_req on, in a
// child harness process, and returns its results with ", migrated" added to each variant
// name, or one skipped result (`variant`, migrated) when no namespace can be made.
std::vector<CheckResult> run_with_migration(const CheckContext& context, const std::string& check,
                                            const std::string& variant);

// The exit status of `harness run --private-network` when the namespace cannot be made.
inline constexpr int kExitNoPrivateNetwork = 3;

}  // namespace clab::harness
