// ThreadServer: the thread-pool serving model. Each connection is served by one thread of an
// ElasticThreadPool from its first request to its close, with blocking reads and writes: a
// handler that computes holds only its own connection, and one worker uses as many cores as
// it has busy connections; an idle keep-alive connection holds a thread too. Kept beside the
// event loop (--model threads) to show what threads change.
// Invariants: every open connection is in open_ until its thread closes it; a connection is
// in busy_ exactly while a request on it is being handled.
// Thread-safe: every member from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "http/connection_settings.hpp"
#include "http/elastic_thread_pool.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"

namespace clab::http {

class Conversation;
class SocketStream;

class ThreadServer final : public HttpServer {
 public:
  // `router` and `settings` must outlive the server.
  ThreadServer(const Router& router, const ConnectionSettings& settings,
               std::string server_headers);
  ~ThreadServer() override;

  void serve(UniqueFd connection) override;
  void close_all() override;
  void begin_drain() override;
  DrainReport wait_drained(std::chrono::milliseconds timeout) override;
  std::size_t open_connections() const override;
  std::size_t requests_in_flight() const override;

 private:
  struct InFlight {
    std::string request;
    std::chrono::steady_clock::time_point since;
  };
  class ConnectionReply;
  void keep_alive_loop(int fd);
  // Waits for and reads the next bytes of a request; false when the connection should end
  // instead (closed, idle past its timeout, or a request too slow: its 408 is in the output).
  bool await_input(const SocketStream& stream, Conversation& conversation) const;

  const Router& router_;
  const ConnectionSettings& settings_;
  const std::string server_headers_;
  ElasticThreadPool pool_;
  mutable std::mutex mutex_;
  std::condition_variable connection_closed_;
  std::unordered_set<int> open_;
  std::unordered_map<int, InFlight> busy_;
  bool closing_ = false;
  std::atomic<bool> draining_{false};
  UniqueFd drain_event_;  // readable once draining starts: wakes idle keep-alive waits
};

}  // namespace clab::http
