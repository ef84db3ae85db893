#include "http/router.hpp"

#include <fmt/format.h>

namespace clab::http {

Response json_response(const nlohmann::json& body, int status) {
  return {.status = status, .content_type = "application/json", .body = body.dump() + "\n"};
}

void Router::get(std::string path, Handler handler) {
  get_routes_[std::move(path)] = std::move(handler);
}

void Router::dispatch(const Request& request, Reply& reply) const {
  const auto route = get_routes_.find(request.path);
  if (route == get_routes_.end()) {
    return reply.send(json_response(
        {{"error", fmt::format("no route for {} {}", request.method, request.path)}}, 404));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    Response response = json_response(
        {{"error", fmt::format("{} takes GET or HEAD, not {}", request.path, request.method)}},
        405);
    response.headers.push_back({"Allow", "GET, HEAD"});
    return reply.send(std::move(response));
  }
  try {
    route->second(request, reply);
  } catch (const std::exception& e) {
    reply.send(json_response({{"error", e.what()}}, 500));
  }
}

}  // namespace clab::http
