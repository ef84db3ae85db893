// SdNotifier: systemd's readiness protocol (sd_notify), written directly: one datagram per
// state change ("READY=1", "STOPPING=1", "STATUS=...") to the unix datagram socket named
// by $NOTIFY_SOCKET, a filesystem path or, when it starts with '@', an abstract name.
// Without NOTIFY_SOCKET every call does nothing and succeeds, as libsystemd's does.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace clab::lifecycle {

class SdNotifier {
 public:
  static SdNotifier from_environment();
  explicit SdNotifier(std::string socket_name) : socket_(std::move(socket_name)) {}

  bool enabled() const { return !socket_.empty(); }
  Status notify(std::string_view state) const;

 private:
  std::string socket_;
};

}  // namespace clab::lifecycle
