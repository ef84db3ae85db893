// Exercise blocking-handler (lesson 7), solved: Reply::after is the event loop's
// setTimeout: the request stays in flight, the loop goes on serving the others, and the
// answer is sent when the timer fires.
#include <chrono>

#include "native_cluster_program.hpp"

using namespace clab::http;
using namespace std::chrono_literals;

void add_report(WorkerApp& app) {
  app.router().get("/report", [&app](const Request&, Reply& reply) {
    reply.after(300ms, [&app, &reply] {
      reply.send(json_response({{"report", "ready"}, {"worker", app.identity().id}}));
    });
  });
}

int main(int argc, char** argv) {
  return clab::demos::run_native_cluster(argc, argv,
                                         [](WorkerApp& app, auto&) { add_report(app); });
}
