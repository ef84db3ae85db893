// Exercise shared-counter (lesson 1), solved: the counter lives in the coordination store,
// which every worker reaches, and the store's increment is atomic, so each number is
// handed out once whichever worker asks.
#include <cstdint>

#include "native_cluster_program.hpp"

using namespace clab::http;

void add_visit_counter(WorkerApp& app) {
  app.router().get("/shared-count", [&app](const Request&, Reply& reply) {
    if (app.shared_store() == nullptr)
      return reply.send(json_response({{"error", "start the cluster with --backend"}}, 503));
    auto visits = app.shared_store()->incr("visits");
    if (!visits) return reply.send(json_response({{"error", visits.error().message}}, 503));
    reply.send(json_response({{"count", visits.value()}, {"worker", app.identity().id}}));
  });
}

int main(int argc, char** argv) {
  return clab::demos::run_native_cluster(argc, argv,
                                         [](WorkerApp& app, auto&) { add_visit_counter(app); });
}
