// ConnectionSettings: how a worker's HTTP server treats its connections, in either serving
// model. The defaults are Node's and nginx's where they agree: keep-alive idles 5 s, a
// request (header and body) must arrive whole within 10 s of its first byte, and a client
// that reads nothing of its response for 5 s is dropped.
#pragma once

#include <chrono>
#include <cstddef>

#include "http/request_framer.hpp"

namespace clab::http {

struct ConnectionSettings {
  FramingLimits limits;
  std::size_t keep_alive_max_requests = 10000;
  std::chrono::milliseconds keep_alive_timeout{5000};
  // A request whose bytes started arriving and are not complete this long after gets 408
  // and the connection closes (nginx's client_header_timeout): slow clients cannot pin it.
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds write_timeout{5000};
  // Drain: how long a connection idle when the drain begins may still bring one request.
  // It covers a loopback round trip on a loaded machine; keep it below the drain timeout.
  std::chrono::milliseconds idle_grace{1000};
  // A server-side close reads and drops what the client still sends for at most this long.
  std::chrono::milliseconds linger{1000};
  // Winding down (draining, or the keep-alive request limit reached): the most requests a
  // connection still gets answered from what the client already sent.
  std::size_t drain_pipeline_limit = 64;
  // The thread-pool model only: the most threads, one per connection being served.
  std::size_t max_threads = 512;
};

}  // namespace clab::http
