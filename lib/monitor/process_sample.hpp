// The cheap figures of a process, read from /proc/PID/stat every second for every process
// (the Sampler, for pm list, max_memory_restart and every view): resident memory, CPU time,
// threads. CPU use is a rate: the Sampler takes it between two samples.
#pragma once

#include <sys/types.h>

#include <cstdint>
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

}  // namespace clab::monitor
