// EventServer: the event-loop serving model, Node's. Every connection of the worker lives on
// one thread's epoll loop (the worker's own cluster::EventLoop, which also carries its IPC
// channel and signals): non-blocking sockets, requests framed as their bytes arrive,
// responses written without blocking (what the socket does not take waits for EPOLLOUT),
// Reply::after as a loop timer (setTimeout). A handler that computes blocks every other
// connection of this worker until it returns: the pitfall a Node learner must see.
// Timeouts (keep-alive, request, write, linger, the drain's grace) are deadlines that a sweep
// checks every 250 ms, so 10,000 idle connections cost no timer each. A streamed response
// (Reply::stream, for Server-Sent Events) keeps its connection until either side closes it,
// the client falls 256 KiB behind, or a drain begins.
// Invariants: a connection is in connections_ from serve() until it is closed, then in
// graveyard_ until the loop comes back to the top (so no callback outlives it); in_flight_
// counts connections with a request dispatched and not answered yet.
// Thread-safety: use it on the loop's thread; open_connections() and requests_in_flight()
// may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/event_loop.hpp"
#include "http/connection_settings.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"

namespace clab::http {

class EventServer final : public HttpServer {
 public:
  // `loop`, `router` and `settings` must outlive the server.
  EventServer(cluster::EventLoop& loop, const Router& router, const ConnectionSettings& settings,
              std::string server_headers);
  ~EventServer() override;
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  void serve(UniqueFd connection) override;
  void close_all() override;
  void begin_drain() override;
  // Runs the loop until the last connection has closed or `timeout` passed.
  DrainReport wait_drained(std::chrono::milliseconds timeout) override;
  std::size_t open_connections() const override { return open_.load(); }
  std::size_t requests_in_flight() const override { return in_flight_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Connection;
  class ConnectionReply;
  class Stream;

  void on_event(Connection& c, std::uint32_t events);
  bool read_input(Connection& c);  // false when the connection was closed
  void process(Connection& c);
  void answer(Connection& c, Response response);
  std::shared_ptr<ResponseStream> open_stream(Connection& c, Response head);
  bool write_stream(Connection& c, std::string_view bytes);
  void finish_round(Connection& c);
  bool flush(Connection& c);  // false when the connection was closed
  void update_interest(Connection& c);
  void update_deadline(Connection& c, Clock::time_point now);
  void expire(Connection& c);
  void destroy(Connection& c);
  void sweep();

  cluster::EventLoop& loop_;
  const Router& router_;
  const ConnectionSettings& settings_;
  const std::string server_headers_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::vector<std::unique_ptr<Connection>> graveyard_;
  cluster::EventLoop::TimerId sweep_timer_ = 0;
  cluster::EventLoop::TimerId reap_timer_ = 0;
  std::vector<char> read_buffer_;
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> in_flight_{0};
  bool draining_ = false;
  bool waiting_for_drain_ = false;
  bool closing_ = false;
  Clock::time_point drain_began_;
};

}  // namespace clab::http
