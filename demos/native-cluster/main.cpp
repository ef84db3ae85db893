// native-cluster: a primary forks one HTTP worker per core on one port and respawns the dead
// (native_cluster_program.hpp says how it is driven and how it exits).
#include "native_cluster_program.hpp"

int main(int argc, char** argv) {
  return clab::demos::run_native_cluster(argc, argv);
}
