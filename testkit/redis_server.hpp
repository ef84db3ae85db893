// RedisServer: a private redis-server on a free loopback port, for tests, harness checks and
// benchmarks. No persistence (--save '' --appendonly no); stopped (its process group
// killed) when destroyed. pause()/resume() freeze it with SIGSTOP, the "backend does not
// answer" fault.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "proc/child_process.hpp"

namespace clab::testkit {

class RedisServer {
 public:
  // Starts redis-server (from PATH) and waits until it accepts connections.
  static Result<std::unique_ptr<RedisServer>> start(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  std::uint16_t port() const { return port_; }
  std::string url(int db = 0) const;  // redis://127.0.0.1:PORT/DB
  void pause() const;
  void resume() const;
  // Deletes every key of every database (FLUSHALL): a clean slate between tests.
  Status flush() const;

 private:
  RedisServer() = default;
  std::uint16_t port_ = 0;
  std::unique_ptr<proc::ChildProcess> process_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
Result<std::uint16_t> free_loopback_port();

}  // namespace clab::testkit
