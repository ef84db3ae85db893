// Exercise hook-order (lesson 3), solved: the close is added first, so it runs last, after
// the flush has written every line into the still open file.
#include "graceful_shutdown_program.hpp"

using namespace clab::lifecycle;
using clab::demos::AccessLog;
using namespace std::chrono_literals;

void add_access_log_hooks(ShutdownHooks& hooks, AccessLog& log) {
  hooks.add("close-access-log", 100ms, [&log] { log.close(); });
  hooks.add("flush-access-log", 500ms, [&log] { log.flush(); });
}

int main(int argc, char** argv) {
  return clab::demos::run_graceful_shutdown(argc, argv,
                                            {.add_access_log_hooks = add_access_log_hooks});
}
