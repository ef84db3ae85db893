// InstanceFigures: everything ClusterLab shows of one instance (one slot of an app or a
// cluster), from one Sampler, for every view: pm list and pm monit, /metrics, the dashboard,
// the harness. InstanceSource is what the Sampler needs to know of the instance from its
// supervisor (the WorkerGroup): plain data, so the Sampler runs on any process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "monitor/latency_quantile.hpp"

namespace clab::cluster {
class WorkerGroup;
}

namespace clab::monitor {

using Clock = std::chrono::steady_clock;

struct InstanceSource {
  std::string app;
  int instance = 0;
  int id = 0;          // the worker id (native-cluster) or pm_id (pm)
  std::string status;  // as its supervisor names it
  int restarts = 0;
  pid_t pid = 0;  // 0: no process now
  Clock::time_point started_at;
  nlohmann::json heartbeat;  // the last one (cluster/wire.hpp); null before any or without
  Clock::time_point heartbeat_at;
  bool suspect = false;
};

// One source per slot of the group, named by the lifecycle's states ("ready", "hung", ...;
// "suspect" while its heartbeat is late; "stopped", "errored", "waiting restart" without a
// process).
std::vector<InstanceSource> sources_of(const cluster::WorkerGroup& group, const std::string& app);

struct RequestFigures {
  std::uint64_t total = 0;  // answered since the process started
  double per_second = 0;    // over the last heartbeats
  std::uint64_t in_flight = 0;
  std::uint64_t open_connections = 0;
  std::optional<double> p50_ms;  // over the last heartbeats; none when nothing was answered
  std::optional<double> p99_ms;
  LatencyCounts latency_counts{};  // since the process started, per bucket
  double latency_sum_s = 0;
};

struct InstanceFigures {
  std::string app;
  int instance = 0;
  int id = 0;
  std::string status;
  int restarts = 0;
  pid_t pid = 0;
  double uptime_s = 0;
  double cpu_percent = 0;  // of one core, since the previous sample
  double cpu_seconds = 0;  // since the process started
  std::uint32_t threads = 0;
  std::uint64_t rss_bytes = 0;
  std::uint64_t pss_bytes = 0;
  std::uint64_t uss_bytes = 0;
  std::uint64_t shared_bytes = 0;
  // From its heartbeats (ClusterLab workers only).
  std::optional<RequestFigures> requests;
  std::optional<double> heartbeat_age_ms;
  std::optional<double> loop_lag_ms;
  bool suspect = false;
};

nlohmann::json to_json(const InstanceFigures& figures);

}  // namespace clab::monitor
