#include "cluster/notify_socket.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <memory>

namespace clab::cluster {

Result<std::unique_ptr<NotifySocket>> NotifySocket::open(EventLoop& loop, OnLine on_line) {
  static std::atomic<int> sockets{0};
  const std::string name = fmt::format("clusterlab-notify-{}-{}", ::getpid(), ++sockets);
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errno_error("socket(AF_UNIX)");
  const int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0)
    return errno_error("bind(NOTIFY_SOCKET)");
  std::unique_ptr<NotifySocket> socket(
      new NotifySocket(loop, std::move(fd), "@" + name, std::move(on_line)));
  NotifySocket* self = socket.get();
  if (auto s = loop.add(self->fd_.get(), EPOLLIN, [self](std::uint32_t) { self->on_readable(); });
      !s) {
    return s.error();
  }
  return socket;
}

NotifySocket::NotifySocket(EventLoop& loop, UniqueFd fd, std::string address, OnLine on_line)
    : loop_(loop), fd_(std::move(fd)), address_(std::move(address)), on_line_(std::move(on_line)) {}

NotifySocket::~NotifySocket() {
  loop_.remove(fd_.get());
}

void NotifySocket::on_readable() {
  for (;;) {
    char buffer[4096];
    iovec iov{buffer, sizeof buffer};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_.get(), &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) return;
    pid_t sender = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials{};
        std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
        sender = credentials.pid;
      }
    }
    const std::string_view text(buffer, static_cast<std::size_t>(n));
    std::size_t begin = 0;
    while (begin < text.size()) {
      std::size_t end = text.find('\n', begin);
      if (end == std::string_view::npos) end = text.size();
      on_line_(sender, text.substr(begin, end - begin));
      begin = end + 1;
    }
  }
}

}  // namespace clab::cluster
