// Router: the routes of a worker, whichever serving model runs them. A handler answers
// through its Reply: at once, or later from a timer it set with Reply::after (the event-loop
// model's setTimeout; the thread-pool model sleeps the connection's thread instead).
// Unknown paths get 404, known paths asked with another method 405 (GET routes answer HEAD
// too), a handler that throws 500; each error body is one JSON line.
// Thread-safety: routes are added before serving starts; dispatch() and finished() are
// const and may run on any serving thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/message.hpp"
#include "http/request_stats.hpp"

namespace clab::http {

// The body of a streamed response (Server-Sent Events), written piece by piece until either
// side closes the connection. Use it on the thread that serves the connection.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues bytes for the client; false once the connection is gone (or dropped because the
  // client reads too slowly), and the stream can be let go.
  virtual bool write(std::string_view bytes) = 0;
  virtual void close() = 0;
};

// How a handler answers one request. send() once; later calls are ignored.
class Reply {
 public:
  virtual ~Reply() = default;
  virtual void send(Response response) = 0;
  // Sends `head` without a length and hands back the stream its body goes on; nullptr where
  // the serving model cannot stream (the thread pool). Takes the place of send().
  virtual std::shared_ptr<ResponseStream> stream(Response head) {
    (void)head;
    return nullptr;
  }
  // Runs `then` after `delay` without holding up other connections of this worker where the
  // model allows (the event loop); the request stays in flight meanwhile.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> then) = 0;
};

using Handler = std::function<void(const Request&, Reply&)>;
using ResponseLogger = std::function<void(const Request&, const Response&)>;

Response json_response(const nlohmann::json& body, int status = 200);

class Router {
 public:
  void get(std::string path, Handler handler);
  void set_logger(ResponseLogger logger) { logger_ = std::move(logger); }

  void dispatch(const Request& request, Reply& reply) const;
  // Called by the servers for every response to a request the router dispatched, with the
  // time since the request was read whole: counted in stats(), then logged.
  void finished(const Request& request, const Response& response,
                std::chrono::nanoseconds elapsed) const {
    stats_.record(elapsed);
    if (logger_) logger_(request, response);
  }
  const RequestStats& stats() const { return stats_; }

 private:
  std::unordered_map<std::string, Handler> get_routes_;
  ResponseLogger logger_;
  mutable RequestStats stats_;  // counting is not a change of the routes
};

}  // namespace clab::http
