#include "lifecycle/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "core/unique_fd.hpp"

namespace clab::lifecycle {

SdNotifier SdNotifier::from_environment() {
  const char* name = std::getenv("NOTIFY_SOCKET");
  return SdNotifier(name ? name : "");
}

Status SdNotifier::notify(std::string_view state) const {
  if (socket_.empty()) return {};
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof address.sun_path) {
    return Error{"NOTIFY_SOCKET '" + socket_ + "': path too long"};
  }
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("sd_notify socket");
  if (::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&address), length) < 0) {
    return errno_error("sd_notify to " + socket_);
  }
  return {};
}

}  // namespace clab::lifecycle
