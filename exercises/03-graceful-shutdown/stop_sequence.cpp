// Exercise stop-sequence (lesson 3): a stop that loses no request.
//
// This is graceful-shutdown with a stop sequence of yours: what a worker does once it has
// been told to stop (SIGTERM, SIGINT, or its primary asking) and has closed its listening
// socket. The one below is the seed's:
//
//   process.on('SIGINT', async () => { await app.close(); process.exit(0); });
//
// written the way it behaves under load: it runs the shutdown hooks (app.close() closes the
// database and the log) and exits, while requests are still being served. Every one of them
// is lost, and so are the access-log lines the hooks were meant to write.
//
// Put it in the order lesson 3 gives, so that the harness's graceful-drain check loses no
// request, even at full load: tell the supervisor, drain (server.begin_drain(), then
// server.wait_drained(within the deadline)), run the hooks, exit with a status that says
// how it went. lib/lifecycle/graceful_stop.hpp describes each piece.
#include "graceful_shutdown_program.hpp"

using namespace clab::lifecycle;

int stop_worker(Drainable& server, ShutdownHooks& hooks, const GracefulStop& how) {
  (void)server;
  (void)how;
  hooks.run_all();
  return 0;
}

int main(int argc, char** argv) {
  return clab::demos::run_graceful_shutdown(argc, argv, {.stop_sequence = stop_worker});
}
