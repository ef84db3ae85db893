// Exercise sessions (lesson 1), solved: a session is a value in the coordination store,
// under "session:ID", so the worker that answers /whoami need not be the one that answered
// /login.
#include <random>
#include <string>

#include "native_cluster_program.hpp"

using namespace clab::http;

std::string new_session_id() {
  static std::mt19937_64 random{std::random_device{}()};
  return std::to_string(random());
}

void add_sessions(WorkerApp& app) {
  app.router().get("/login", [&app](const Request& request, Reply& reply) {
    const auto user = request.query_param("user");
    if (!user) return reply.send(json_response({{"error", "expected ?user=NAME"}}, 400));
    if (app.shared_store() == nullptr)
      return reply.send(json_response({{"error", "start the cluster with --backend"}}, 503));
    const std::string id = new_session_id();
    if (auto saved = app.shared_store()->write_unfenced("session:" + id, 0, *user); !saved)
      return reply.send(json_response({{"error", saved.error().message}}, 503));
    reply.send(json_response({{"session", id}, {"user", *user}}));
  });
  app.router().get("/whoami", [&app](const Request& request, Reply& reply) {
    const auto id = request.query_param("session");
    if (!id || app.shared_store() == nullptr)
      return reply.send(json_response({{"error", "no such session"}}, 401));
    auto found = app.shared_store()->read("session:" + *id);
    if (!found) return reply.send(json_response({{"error", found.error().message}}, 503));
    if (!found.value())
      return reply.send(
          json_response({{"error", "no such session"}, {"worker", app.identity().id}}, 401));
    reply.send(json_response({{"user", found.value()->value}, {"worker", app.identity().id}}));
  });
}

int main(int argc, char** argv) {
  return clab::demos::run_native_cluster(argc, argv,
                                         [](WorkerApp& app, auto&) { add_sessions(app); });
}
