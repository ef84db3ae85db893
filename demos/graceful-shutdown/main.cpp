// graceful-shutdown: a cluster that drains, runs its shutdown hooks and exits on SIGINT or
// SIGTERM (graceful_shutdown_program.hpp says what it does and how it exits).
#include "graceful_shutdown_program.hpp"

int main(int argc, char** argv) {
  return clab::demos::run_graceful_shutdown(argc, argv);
}
