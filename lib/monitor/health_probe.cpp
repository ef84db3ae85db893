#include "monitor/health_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace clab::monitor {

HealthProbe::HealthProbe(cluster::EventLoop& loop, ProbeSettings settings, std::uint16_t port,
                         Failed failed)
    : loop_(loop), settings_(std::move(settings)), port_(port), failed_(std::move(failed)) {
  request_ = fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                         settings_.path, port_);
  next_ = loop_.after(settings_.interval, [this] { probe(); });
}

HealthProbe::~HealthProbe() {
  loop_.cancel(next_);
  loop_.cancel(deadline_);
  if (socket_) loop_.remove(socket_.get());
}

void HealthProbe::probe() {
  next_ = loop_.after(settings_.interval, [this] { probe(); });
  if (socket_) return;  // the last one is still out (its deadline will end it)
  received_.clear();
  sent_ = 0;
  socket_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket_) return finish(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(socket_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
      errno != EINPROGRESS) {
    return finish(fmt::format("connect to port {}: {}", port_, std::strerror(errno)));
  }
  if (!loop_.add(socket_.get(), EPOLLOUT, [this](std::uint32_t events) { on_socket(events); })) {
    return finish("cannot watch the probe's socket");
  }
  deadline_ = loop_.after(settings_.timeout, [this] {
    deadline_ = 0;
    finish(
        fmt::format("no answer to GET {} within {} ms", settings_.path, settings_.timeout.count()));
  });
}

void HealthProbe::on_socket(std::uint32_t events) {
  if (sent_ < request_.size()) {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0)
      return finish(fmt::format("connect to port {}: {}", port_, std::strerror(error)));
    const ssize_t n =
        ::send(socket_.get(), request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return finish(fmt::format("send: {}", std::strerror(errno)));
    if (n > 0) sent_ += static_cast<std::size_t>(n);
    if (sent_ == request_.size()) (void)loop_.modify(socket_.get(), EPOLLIN | EPOLLRDHUP);
    return;
  }
  char buffer[512];
  const ssize_t n = ::recv(socket_.get(), buffer, sizeof buffer, 0);
  if (n > 0) received_.append(buffer, static_cast<std::size_t>(n));
  const auto line_end = received_.find("\r\n");
  if (line_end == std::string::npos) {
    if (n == 0 || (n < 0 && errno != EAGAIN) || (events & (EPOLLERR | EPOLLHUP)) != 0)
      return finish(fmt::format("the connection closed before a status line"));
    return;
  }
  // "HTTP/1.1 200 OK"
  const std::string line = received_.substr(0, line_end);
  const auto space = line.find(' ');
  const int status = space == std::string::npos ? 0 : std::atoi(line.c_str() + space + 1);
  finish(status >= 200 && status < 400 ? std::string{}
                                       : fmt::format("GET {} answered '{}'", settings_.path, line));
}

void HealthProbe::finish(const std::string& failure) {
  if (socket_) {
    loop_.remove(socket_.get());
    socket_.reset();
  }
  if (deadline_ != 0) {
    loop_.cancel(deadline_);
    deadline_ = 0;
  }
  if (failure.empty()) {
    failed_in_a_row_ = 0;
    return;
  }
  if (++failed_in_a_row_ < settings_.failures) return;
  failed_in_a_row_ = 0;
  failed_(failure);  // may destroy this probe: nothing after it
}

}  // namespace clab::monitor
