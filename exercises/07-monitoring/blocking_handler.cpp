// Exercise blocking-handler (lesson 7): a route that stops its worker's event loop.
//
// This is native-cluster with a route of yours, /report, which waits 300 ms for a slow
// back end before it answers. The wait below blocks the thread: a worker is one event
// loop, as a Node process is, so while /report waits nothing else of that worker runs:
// not /, not /health, not the heartbeat. (In Node: fs.readFileSync, execSync, a sync
// crypto call, a long loop.)
//
// First find it as an operator would: start the cluster with a dashboard, load it, and
// watch the loop lag and p99 (lesson 7 shows how):
//   native-cluster --workers 1 --port 0 --dashboard-port 0   (its log prints both URLs)
//   loadgen -c 4 -d 10 http://127.0.0.1:PORT/report & loadgen -c 4 -d 10 http://127.0.0.1:PORT/
// Then make /report wait without blocking the loop, so that / answers at once while
// reports are waiting. The check does the same with curl.
#include <chrono>
#include <thread>

#include "native_cluster_program.hpp"

using namespace clab::http;
using namespace std::chrono_literals;

void add_report(WorkerApp& app) {
  app.router().get("/report", [&app](const Request&, Reply& reply) {
    std::this_thread::sleep_for(300ms);  // the slow back end
    reply.send(json_response({{"report", "ready"}, {"worker", app.identity().id}}));
  });
}

int main(int argc, char** argv) {
  return clab::demos::run_native_cluster(argc, argv,
                                         [](WorkerApp& app, auto&) { add_report(app); });
}
