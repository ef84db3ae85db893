// How a worker learns it is one: the primary re-executes the same program with these
// environment variables set (as Node's cluster sets NODE_UNIQUE_ID).
#pragma once

#include <optional>
#include <string>

namespace clab::cluster {

inline constexpr const char* kEnvWorkerId = "CLUSTERLAB_WORKER_ID";  // 1, 2, 3... never reused
inline constexpr const char* kEnvInstance = "CLUSTERLAB_INSTANCE";   // slot 0..N-1, reused
inline constexpr const char* kEnvIpcFd = "CLUSTERLAB_IPC_FD";
inline constexpr const char* kEnvPrimaryPid = "CLUSTERLAB_PRIMARY_PID";

// True in a process that was not started by a cluster primary.
bool is_primary();
bool is_worker();

// The integer value of an environment variable, nullopt when unset or not an integer.
std::optional<long> env_integer(const char* name);

}  // namespace clab::cluster
