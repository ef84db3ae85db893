// The descriptor limit (RLIMIT_NOFILE), as a server sees it: raised at start from the soft
// limit to the hard one (nginx's worker_rlimit_nofile), since every connection, listener
// and IPC channel takes one, and descriptors in flight in Unix sockets count against it.
#pragma once

#include <cstddef>

namespace clab::proc {

// Raises the soft limit to the hard one and returns the soft limit in force after it.
std::size_t raise_descriptor_limit();

}  // namespace clab::proc
