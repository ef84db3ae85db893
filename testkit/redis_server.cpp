#include "testkit/redis_server.hpp"

#include <signal.h>

#include <fmt/format.h>

#include <regex>

#include "coord/redis_coordinator.hpp"
#include "net/tcp_listener.hpp"

namespace clab::testkit {

Result<std::uint16_t> free_loopback_port() {
  auto socket = net::bind_tcp("127.0.0.1", 0, {.listen = false});
  if (!socket) return socket.error();
  return net::bound_port(socket.value().get());
}

Result<std::unique_ptr<RedisServer>> RedisServer::start(std::chrono::milliseconds timeout) {
  static const std::regex ready("Ready to accept connections");
  std::string last_error = "did not start";
  // Another process may take the free port before redis-server binds it: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto port = free_loopback_port();
    if (!port) return port.error();
    auto child = proc::ChildProcess::spawn(
        {.argv = {"redis-server", "--bind", "127.0.0.1", "--port", std::to_string(port.value()),
                  "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice",
                  "--logfile", ""},
         .merge_stderr = true});
    if (!child) return Error{"redis-server: " + child.error().message};
    std::size_t cursor = 0;
    if (child.value()->wait_for_line(ready, &cursor, timeout)) {
      std::unique_ptr<RedisServer> server(new RedisServer());
      server->port_ = port.value();
      server->process_ = std::move(child).value();
      return server;
    }
    const auto lines = child.value()->lines();
    last_error = lines.empty() ? "exited without a word" : lines.back();
  }
  return Error{"redis-server did not start on a free loopback port: " + last_error};
}

std::string RedisServer::url(int db) const {
  return fmt::format("redis://127.0.0.1:{}/{}", port_, db);
}

void RedisServer::pause() const {
  process_->signal(SIGSTOP);
}
void RedisServer::resume() const {
  process_->signal(SIGCONT);
}

Status RedisServer::flush() const {
  auto coordinator =
      coord::RedisCoordinator::open({"127.0.0.1", port_, 0}, std::chrono::seconds(5));
  if (!coordinator) return coordinator.error();
  return coordinator.value()->flush_all();
}

}  // namespace clab::testkit
