// The cheap figures of a process, read from /proc/PID/stat every second for every process
// (pm list, max_memory_restart, the Sampler): resident memory and CPU time. CPU use is a
// rate, so it needs two samples: CpuMeter keeps the previous one per pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

namespace clab::monitor {

struct ProcessSample {
  std::uint64_t rss_bytes = 0;
  std::uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks
  std::uint32_t threads = 0;
  double cpu_seconds() const;
};

// nullopt when the process is gone.
std::optional<ProcessSample> sample_process(pid_t pid);

// CPU use per process between two calls of update(), in percent of one core (PM2's cpu).
class CpuMeter {
 public:
  // Records a sample; returns the percentage since the previous one (0 for the first).
  double update(pid_t pid, const ProcessSample& sample,
                std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  double last(pid_t pid) const;
  void forget(pid_t pid) { previous_.erase(pid); }

 private:
  struct Previous {
    std::uint64_t ticks = 0;
    std::chrono::steady_clock::time_point at;
    double percent = 0;
  };
  std::map<pid_t, Previous> previous_;
};

}  // namespace clab::monitor
