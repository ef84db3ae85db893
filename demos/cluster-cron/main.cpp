// cluster-cron: a cluster whose workers all run one cron job under a chosen strategy
// (cluster_cron_program.hpp says what it does and how it exits).
#include "cluster_cron_program.hpp"

int main(int argc, char** argv) {
  return clab::demos::run_cluster_cron(argc, argv);
}
