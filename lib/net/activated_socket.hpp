// systemd's socket activation, the receiving side (sd_listen_fds(3), written directly): a
// process started with LISTEN_PID equal to its own pid and LISTEN_FDS=N owns descriptors
// 3..3+N-1, already listening. The variables are removed once read, so a child this
// process starts does not mistake them for its own.
#pragma once

#include <optional>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::net {

// The first activated socket (made non-blocking and close-on-exec), nullopt when this
// process was not socket-activated; an error when the variables are set but malformed.
Result<std::optional<UniqueFd>> take_activated_socket();

}  // namespace clab::net
