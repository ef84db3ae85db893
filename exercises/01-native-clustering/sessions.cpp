// Exercise sessions (lesson 1): a login that every worker knows.
//
// /login?user=NAME starts a session and answers its id; /whoami?session=ID answers who is
// logged in with that session, or 401. The sessions below live in the memory of the
// worker that answered /login: the next request, sent to another worker, is a stranger
// there. (Express's default MemoryStore does exactly this under Node's cluster module.)
//
// Make every worker know every session: keep them in the coordination store the cluster
// was started with (--backend), app.shared_store(). Its write_unfenced(resource, 0, value)
// and read(resource) keep a value under a name (lib/coord/coordinator.hpp).
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "native_cluster_program.hpp"

using namespace clab::http;

std::string new_session_id() {
  static std::mt19937_64 random{std::random_device{}()};
  return std::to_string(random());
}

void add_sessions(WorkerApp& app) {
  static std::map<std::string, std::string> sessions;  // session id -> user
  app.router().get("/login", [](const Request& request, Reply& reply) {
    const auto user = request.query_param("user");
    if (!user) return reply.send(json_response({{"error", "expected ?user=NAME"}}, 400));
    const std::string id = new_session_id();
    sessions[id] = *user;
    reply.send(json_response({{"session", id}, {"user", *user}}));
  });
  app.router().get("/whoami", [&app](const Request& request, Reply& reply) {
    const auto id = request.query_param("session");
    const auto found = id ? sessions.find(*id) : sessions.end();
    if (found == sessions.end())
      return reply.send(
          json_response({{"error", "no such session"}, {"worker", app.identity().id}}, 401));
    reply.send(json_response({{"user", found->second}, {"worker", app.identity().id}}));
  });
}

int main(int argc, char** argv) {
  return clab::demos::run_native_cluster(argc, argv,
                                         [](WorkerApp& app, auto&) { add_sessions(app); });
}
