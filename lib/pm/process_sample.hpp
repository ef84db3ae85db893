// What `pm list` shows of a process and max_memory_restart watches: its resident memory and
// its CPU use, read from /proc. CPU is a rate, so it needs two samples: CpuMeter keeps the
// previous one per pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

namespace clab::pm {

struct ProcessSample {
  std::uint64_t rss_bytes = 0;
  std::uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks
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

}  // namespace clab::pm
