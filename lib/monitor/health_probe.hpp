// HealthProbe: liveness from outside, for programs that do not speak ClusterLab's protocol
// (no heartbeats): every `interval` an HTTP GET of `path` on 127.0.0.1:port, which must
// bring a 2xx or 3xx status line within `timeout`. After `failures` failed probes in a row
// it reports, once, why the last one failed, and starts counting afresh; the owner (pm)
// kills the process. Kubernetes' livenessProbe (periodSeconds, timeoutSeconds,
// failureThreshold) in a supervisor's event loop.
// Invariant: at most one probe is in flight; no callback runs after destruction.
// Single-threaded: use it on the loop's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "cluster/event_loop.hpp"
#include "core/unique_fd.hpp"

namespace clab::monitor {

struct ProbeSettings {
  std::string path = "/health";
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{500};
  int failures = 3;
};

class HealthProbe {
 public:
  using Failed = std::function<void(const std::string& why)>;

  // The first probe goes out one interval from now (the program has that long to listen).
  HealthProbe(cluster::EventLoop& loop, ProbeSettings settings, std::uint16_t port, Failed failed);
  ~HealthProbe();
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  int failures_in_a_row() const { return failed_in_a_row_; }

 private:
  void probe();
  void on_socket(std::uint32_t events);
  void finish(const std::string& failure);  // empty: the probe passed

  cluster::EventLoop& loop_;
  ProbeSettings settings_;
  std::uint16_t port_;
  Failed failed_;
  UniqueFd socket_;
  std::string request_;
  std::string received_;
  std::size_t sent_ = 0;
  cluster::EventLoop::TimerId next_ = 0;
  cluster::EventLoop::TimerId deadline_ = 0;
  int failed_in_a_row_ = 0;
};

}  // namespace clab::monitor
