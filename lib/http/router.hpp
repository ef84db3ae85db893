// Router: the routes of a worker, whichever serving model runs them. A handler answers
// through its Reply: at once, or later from a timer it set with Reply::after (the event-loop
// model's setTimeout; the thread-pool model sleeps the connection's thread instead).
// Unknown paths get 404, known paths asked with another method 405 (GET routes answer HEAD
// too), a handler that throws 500; each error body is one JSON line.
// Thread-safety: routes are added before serving starts; dispatch() is const.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "http/message.hpp"

namespace clab::http {

// How a handler answers one request. send() once; later calls are ignored.
class Reply {
 public:
  virtual ~Reply() = default;
  virtual void send(Response response) = 0;
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
  // Called by the servers for every response they write to a request.
  void log(const Request& request, const Response& response) const {
    if (logger_) logger_(request, response);
  }

 private:
  std::unordered_map<std::string, Handler> get_routes_;
  ResponseLogger logger_;
};

}  // namespace clab::http
