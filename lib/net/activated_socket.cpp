#include "net/activated_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>

#include "core/parse_number.hpp"

namespace clab::net {
namespace {

constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START

}  // namespace

Result<std::optional<UniqueFd>> take_activated_socket() {
  const char* pid_text = std::getenv("LISTEN_PID");
  const char* fds_text = std::getenv("LISTEN_FDS");
  if (pid_text == nullptr && fds_text == nullptr) return std::optional<UniqueFd>{};
  const auto pid = parse_whole_number(pid_text);
  const auto fds = parse_whole_number(fds_text);
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  if (!pid || !fds || *fds < 1) {
    return Error{
        fmt::format("socket activation: LISTEN_PID is '{}' and LISTEN_FDS is '{}'; "
                    "expected this process's pid and a count of at least 1",
                    pid_text ? pid_text : "", fds_text ? fds_text : "")};
  }
  if (*pid != ::getpid()) return std::optional<UniqueFd>{};  // meant for another process
  int type = 0;
  socklen_t length = sizeof type;
  if (::getsockopt(kFirstFd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) {
    return Error{"socket activation: descriptor 3 is not a stream socket"};
  }
  ::fcntl(kFirstFd, F_SETFD, FD_CLOEXEC);
  ::fcntl(kFirstFd, F_SETFL, ::fcntl(kFirstFd, F_GETFL) | O_NONBLOCK);
  return std::optional<UniqueFd>(UniqueFd(kFirstFd));
}

}  // namespace clab::net
