// Exercise hook-order (lesson 3): shutdown hooks in the right order.
//
// This is graceful-shutdown with the access log's shutdown hooks of yours. Its workers keep
// the access log in memory and must write it to the file (--access-log) before they exit:
// one hook flushes the lines into the file, another closes the file. Hooks run last
// registered first, like destructors (and like Nest's onApplicationShutdown), so the
// order in which you add them is the reverse of the order in which they run.
//
// As written, the file is closed before the lines are flushed into it: every line is lost
// and the harness's graceful-drain check finds an empty access log. Fix the order.
#include "graceful_shutdown_program.hpp"

using namespace clab::lifecycle;
using clab::demos::AccessLog;
using namespace std::chrono_literals;

void add_access_log_hooks(ShutdownHooks& hooks, AccessLog& log) {
  hooks.add("flush-access-log", 500ms, [&log] { log.flush(); });
  hooks.add("close-access-log", 100ms, [&log] { log.close(); });
}

int main(int argc, char** argv) {
  return clab::demos::run_graceful_shutdown(argc, argv,
                                            {.add_access_log_hooks = add_access_log_hooks});
}
