// Exercise shared-counter (lesson 1): one visit counter for the whole cluster.
//
// This is native-cluster with one route of yours, /shared-count: a visit counter, which the
// harness's shared-state check reads. Each worker is a process of its own, and `visits`
// below lives in each one's memory: two workers keep two counters, and visitors see
// 1, 1, 2, 2, 3... depending on which worker answers.
//
// Make /shared-count return 1, 2, 3 ... N over the whole cluster, whichever worker answers,
// each number once. The cluster is started with a store that every worker reaches
// (--backend sqlite:FILE or redis://HOST:PORT/0); app.shared_store() is this worker's
// connection to it (lib/coord/coordinator.hpp).
#include <cstdint>

#include "native_cluster_program.hpp"

using namespace clab::http;

void add_visit_counter(WorkerApp& app) {
  app.router().get("/shared-count", [&app](const Request&, Reply& reply) {
    static std::int64_t visits = 0;
    visits += 1;
    reply.send(json_response({{"count", visits}, {"worker", app.identity().id}}));
  });
}

int main(int argc, char** argv) {
  return clab::demos::run_native_cluster(argc, argv,
                                         [](WorkerApp& app, auto&) { add_visit_counter(app); });
}
