#include "pm/control_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string_view>

namespace clab::pm {
namespace {

constexpr std::size_t kMaxRequestBytes = 16 * 1024 * 1024;
// A client (the CLI) writes its request as soon as it connects: a connection with no whole
// line by then is answered with an error and closed, so that idle connections cannot pile up.
constexpr std::chrono::milliseconds kRequestDeadline(5000);

// No request of the protocol nests deeper than a few levels; a deeper one is refused before
// it is parsed (a value nested a million deep would overflow the stack of any recursive
// walk over it, such as printing it in an error).
constexpr std::size_t kMaxNesting = 64;

// How deep the arrays and objects of a JSON text nest, strings skipped.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return Error{fmt::format("control socket path '{}' is too long", path)};
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::listen(cluster::EventLoop& loop,
                                                             const std::string& path,
                                                             Handler handler) {
  auto address = unix_address(path);
  if (!address) return address.error();
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errno_error("socket(AF_UNIX)");
  ::unlink(path.c_str());  // a stale socket of a daemon that died (the caller made sure)
  // Created 0600 from the start: no moment in which another user could connect.
  const mode_t old_mask = ::umask(0177);
  const int bound =
      ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.value()), sizeof(sockaddr_un));
  ::umask(old_mask);
  if (bound != 0) return errno_error("bind " + path);
  if (::chmod(path.c_str(), 0600) != 0) return errno_error("chmod " + path);
  if (::listen(fd.get(), 128) != 0) return errno_error("listen " + path);
  std::unique_ptr<ControlServer> server(
      new ControlServer(loop, std::move(fd), path, std::move(handler)));
  if (auto s = loop.add(server->listener_.get(), EPOLLIN,
                        [raw = server.get()](std::uint32_t) { raw->accept_connections(); });
      !s) {
    return s.error();
  }
  return server;
}

ControlServer::ControlServer(cluster::EventLoop& loop, UniqueFd listener, std::string path,
                             Handler handler)
    : loop_(loop),
      listener_(std::move(listener)),
      path_(std::move(path)),
      handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
  *alive_ = false;
  for (auto& [fd, connection] : connections_) {
    if (connection->deadline) loop_.cancel(*connection->deadline);
    loop_.remove(fd);
  }
  loop_.remove(listener_.get());
  ::unlink(path_.c_str());
}

void ControlServer::accept_connections() {
  for (;;) {
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) return;
    ucred peer{};
    socklen_t length = sizeof peer;
    const int raw = fd.get();
    auto connection = std::make_unique<Connection>();
    connection->fd = std::move(fd);
    connection->id = next_connection_id_++;
    connection->deadline = loop_.after(kRequestDeadline, [this, raw, id = connection->id] {
      auto it = connections_.find(raw);
      if (it == connections_.end() || it->second->id != id) return;
      it->second->deadline.reset();
      if (!it->second->answered) {
        answer(raw,
               {{"ok", false},
                {"error", fmt::format("no request line within {} ms", kRequestDeadline.count())}});
      }
    });
    connections_[raw] = std::move(connection);
    if (auto s = loop_.add(raw, EPOLLIN,
                           [this, raw](std::uint32_t events) {
                             if (events & EPOLLOUT) on_writable(raw);
                             if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(raw);
                           });
        !s) {
      connections_.erase(raw);
      continue;
    }
    if (::getsockopt(raw, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.uid != ::getuid()) {
      // Refused, but only once its request has arrived: closing earlier would reset the
      // connection under the client's request, and it would never read why.
      connections_[raw]->refusal =
          fmt::format("permission denied: the daemon belongs to uid {}; the client runs as uid {}",
                      ::getuid(), peer.uid);
    }
  }
}

void ControlServer::on_readable(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      if (!c.answered) c.input.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    // End of file or an error: a client that went away gets no answer.
    if (!c.answered || c.output.empty()) return close(fd);
    break;
  }
  if (c.answered) return;
  if (c.input.size() > kMaxRequestBytes) {
    return answer(fd, {{"ok", false}, {"error", "request too large"}});
  }
  const auto newline = c.input.find('\n');
  if (newline == std::string::npos) return;
  c.answered = true;
  if (!c.refusal.empty()) return answer(fd, {{"ok", false}, {"error", c.refusal}});
  const std::string_view line(c.input.data(), newline);
  if (nesting_depth(line) > kMaxNesting) {
    return answer(fd,
                  {{"ok", false},
                   {"error", fmt::format("a request nests deeper than {} levels", kMaxNesting)}});
  }
  auto request = nlohmann::json::parse(line, nullptr, false);
  c.input.clear();
  if (!request.is_object() || !request.contains("verb") || !request["verb"].is_string()) {
    return answer(fd, {{"ok", false},
                       {"error", "a request is one JSON object per line with a 'verb' string"}});
  }
  // The reply may come later, after the connection (or the whole server) is gone, and its
  // descriptor number reused by another connection: it is matched by the connection's id.
  std::weak_ptr<bool> alive = alive_;
  handler_(request, [this, fd, id = c.id, alive](const nlohmann::json& response) {
    auto a = alive.lock();
    if (!a || !*a) return;
    auto it = connections_.find(fd);
    if (it != connections_.end() && it->second->id == id) answer(fd, response);
  });
}

void ControlServer::answer(int fd, const nlohmann::json& response) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  c.answered = true;
  // A message may quote a request's bytes: what is not UTF-8 is replaced, never thrown on.
  c.output = response.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  on_writable(fd);
}

void ControlServer::on_writable(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  while (!c.output.empty()) {
    const ssize_t n = ::send(fd, c.output.data(), c.output.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.output.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      (void)loop_.modify(fd, EPOLLIN | EPOLLOUT);
      return;
    }
    return close(fd);
  }
  close(fd);
}

void ControlServer::close(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  if (it->second->deadline) loop_.cancel(*it->second->deadline);
  loop_.remove(fd);
  connections_.erase(it);
}

Result<nlohmann::json> call_daemon(const std::string& path, const nlohmann::json& request,
                                   int timeout_ms) {
  auto address = unix_address(path);
  if (!address) return address.error();
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("socket(AF_UNIX)");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.value()),
                sizeof(sockaddr_un)) != 0) {
    return errno_error("connect " + path);
  }
  const std::string line = request.dump() + "\n";
  for (std::size_t sent = 0; sent < line.size();) {
    const ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0) return errno_error("send to the daemon");
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string input;
  char buffer[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Error{fmt::format("the daemon did not answer within {} ms", timeout_ms)};
    }
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR)
      return errno_error("poll");
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return errno_error("read from the daemon");
    if (n == 0) return Error{"the daemon closed the connection without an answer"};
    input.append(buffer, static_cast<std::size_t>(n));
    if (const auto newline = input.find('\n'); newline != std::string::npos) {
      auto response = nlohmann::json::parse(input.substr(0, newline), nullptr, false);
      if (response.is_discarded()) return Error{"the daemon's answer is not JSON"};
      return response;
    }
  }
}

}  // namespace clab::pm
