// ConnectionServer: cpp-httplib's routing and HTTP/1.1 handling, fed with connections that
// we accept ourselves (from a shared or SO_REUSEPORT socket, or handed over by the primary
// in round-robin mode). cpp-httplib has no public API for that; its protected
// process_request() serves one request from any httplib::Stream, and this class runs the
// keep-alive loop around it on an ElasticThreadPool.
//
// The settings cpp-httplib gets wrong for a load test are fixed here (docs/dependencies.md):
// TCP_NODELAY on every connection, keep-alive for 10,000 requests per connection instead of
// 5, and a pool that grows to max_threads instead of 8.
// Drain (graceful stop), so that no request that reached the server is lost:
//  - every request in flight finishes; the response that ends a connection says
//    `Connection: close`;
//  - pipelined requests already received are all answered before that close;
//  - a keep-alive connection idle when the drain begins stays open for idle_grace: a
//    request already on its way (the keep-alive close race) is still answered; only a
//    connection still silent after the grace is closed;
//  - every close made by the server is a lingering close: the write side is shut first and
//    what the client still sends is read and dropped for up to `linger`, so a response
//    already written is not destroyed by a reset (nginx's lingering_close).
// wait_drained() waits for the last connection to end.
// Invariant: every open connection is in open_ until its loop ends and closes it; a
// connection is in busy_ exactly while a request on it is being handled.
// Thread-safe: serve(), begin_drain(), wait_drained() and close_all() from any thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/unique_fd.hpp"
#include "http/elastic_thread_pool.hpp"
#include "http/socket_stream.hpp"
#include "lifecycle/graceful_stop.hpp"

namespace clab::http {

struct ConnectionSettings {
  std::size_t max_threads = 512;
  std::size_t keep_alive_max_requests = 10000;
  std::chrono::milliseconds keep_alive_timeout{5000};
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  // Drain: how long a connection idle when the drain begins may still bring one request.
  // It covers a loopback round trip on a loaded machine; keep it below the drain timeout.
  std::chrono::milliseconds idle_grace{1000};
  // A server-side close reads and drops what the client still sends for at most this long.
  std::chrono::milliseconds linger{1000};
  // Drain: the most pipelined requests a connection still gets answered after the drain
  // began, so that a client pipelining without pause cannot hold the drain open.
  std::size_t drain_pipeline_limit = 64;
};

class ConnectionServer : public httplib::Server, public lifecycle::Drainable {
 public:
  explicit ConnectionServer(ConnectionSettings settings = {});
  ~ConnectionServer() override;

  // Serves one accepted connection on the pool until the client closes it, it idles past
  // the keep-alive timeout or it reaches the keep-alive request limit.
  void serve(UniqueFd connection);
  // Shuts down every open connection and joins the pool. No request is served after it.
  void close_all();

  void begin_drain() override;
  using DrainReport = lifecycle::DrainReport;
  DrainReport wait_drained(std::chrono::milliseconds timeout) override;

  std::size_t open_connections() const;
  std::size_t requests_in_flight() const;

 private:
  struct InFlight {
    std::string request;
    std::chrono::steady_clock::time_point since;
  };
  class Turn;  // one connection being served by this pool thread
  void keep_alive_loop(int fd);
  // Waits for the next request on an open connection; false when the connection should
  // close instead (idle past the keep-alive timeout, or past the grace once draining).
  bool await_request(const SocketStream& stream) const;

  ConnectionSettings settings_;
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
