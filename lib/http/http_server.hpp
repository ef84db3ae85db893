// HttpServer: what a worker needs of its HTTP server, in either serving model (see
// event_server.hpp and thread_server.hpp): connections in, a drain, the counts /health
// reports. The drain rules are the same in both models:
//  - every request in flight finishes; the response that ends a connection says
//    `Connection: close`;
//  - pipelined requests already received are answered before that close (at most
//    drain_pipeline_limit of them);
//  - a keep-alive connection idle when the drain begins stays open for idle_grace: a request
//    already on its way (the keep-alive close race) is still answered;
//  - every close the server makes is a lingering close: the write side is shut first and what
//    the client still sends is read and dropped for up to `linger`, so a response already
//    written is not destroyed by a reset (nginx's lingering_close).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/unique_fd.hpp"
#include "lifecycle/graceful_stop.hpp"

namespace clab::http {

enum class ServingModel {
  EventLoop,   // one thread, epoll, non-blocking sockets: Node's model (the default)
  ThreadPool,  // a thread per connection being served, blocking sockets
};

// "event" or "threads"; nullopt for anything else.
std::optional<ServingModel> parse_serving_model(std::string_view name);
std::string_view serving_model_name(ServingModel model);

class HttpServer : public lifecycle::Drainable {
 public:
  using DrainReport = lifecycle::DrainReport;
  // Serves one accepted connection until the client closes it, it idles past the
  // keep-alive timeout or it reaches the keep-alive request limit.
  virtual void serve(UniqueFd connection) = 0;
  // Closes every connection at once. No request is served after it.
  virtual void close_all() = 0;
  virtual std::size_t open_connections() const = 0;
  virtual std::size_t requests_in_flight() const = 0;
};

}  // namespace clab::http
