// What a process's memory really costs, from /proc/PID/smaps_rollup: resident (RSS) counts
// every page mapped, shared or not, so RSS summed over N workers counts the shared pages N
// times; proportional (PSS) divides each shared page among the processes that map it, so
// PSS sums to what the cluster takes; unique (USS: private pages) is what this process alone
// holds and would give back by exiting. Reading it walks the process's page tables: more
// costly than /proc/PID/stat (bench/ measures it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace clab::monitor {

struct MemoryBreakdown {
  std::uint64_t rss_bytes = 0;
  std::uint64_t pss_bytes = 0;
  std::uint64_t uss_bytes = 0;     // Private_Clean + Private_Dirty
  std::uint64_t shared_bytes = 0;  // Shared_Clean + Shared_Dirty
  std::uint64_t swap_bytes = 0;
};

// nullopt when the process is gone or its smaps_rollup cannot be read (another user's).
std::optional<MemoryBreakdown> read_memory(pid_t pid);
// The same from smaps_rollup's text (for tests).
MemoryBreakdown parse_smaps_rollup(std::string_view text);

}  // namespace clab::monitor
