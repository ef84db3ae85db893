// The flags every cluster demo shares (native-cluster, graceful-shutdown): how many
// workers, which port and policy, and the PM2-style lifecycle settings; and the primary's
// main loop with its event log.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "cluster/primary.hpp"
#include "coord/coordinator.hpp"
#include "http/worker_main.hpp"
#include "serving_flags.hpp"

namespace clab::demos {

struct ClusterFlags {
  std::string workers = "max";
  std::string policy = "round-robin";
  std::string host = "127.0.0.1";
  int port = 3000;
  ServingFlags serving;
  bool json = false;
  int kill_timeout_ms = 1600;
  int listen_timeout_ms = 3000;
  bool wait_ready = false;
  bool shutdown_with_message = false;
  int drain_timeout_ms = 1500;
  int idle_grace_ms = 1000;
  int request_timeout_ms = 10000;
  int restart_delay_ms = 0;
  int exp_backoff_restart_delay_ms = 0;
  int min_uptime_ms = 1000;
  int max_restarts = 16;
  int heartbeat_timeout_ms = 0;  // 0: off
  bool fault_routes = false;
  int metrics_port = -1;    // -1: no /metrics; 0: a free port
  int dashboard_port = -1;  // -1: no dashboard; 0: a free port
  std::string backend;      // the coordination store, empty for none
};

// What a demo adds to the primary: called with the store (null without --backend) once the
// cluster runs, and again after it stopped.
struct PrimaryHooks {
  std::function<void(coord::Coordinator*)> started;
  std::function<void(coord::Coordinator*)> stopped;
};

void add_cluster_flags(CLI::App& app, ClusterFlags& flags);
cluster::ClusterSettings cluster_settings(const ClusterFlags& flags, int argc, char** argv);
http::WorkerOptions worker_options(const ClusterFlags& flags);

// Starts the primary, prints its events (human or JSON) and runs until it has stopped.
// Returns the process exit status.
// A --backend that cannot be opened is reported in one line, with exit status 2.
int run_primary(const std::string& program, const ClusterFlags& flags, int argc, char** argv,
                const PrimaryHooks& hooks = {});

}  // namespace clab::demos
