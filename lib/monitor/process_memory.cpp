#include "monitor/process_memory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "core/unique_fd.hpp"

namespace clab::monitor {

MemoryBreakdown parse_smaps_rollup(std::string_view text) {
  MemoryBreakdown m;
  // Lines such as "Pss:                1234 kB".
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    std::string_view rest = line.substr(colon + 1);
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
    std::uint64_t kib = 0;
    if (std::from_chars(rest.data(), rest.data() + rest.size(), kib).ec != std::errc{}) continue;
    const std::uint64_t bytes = kib * 1024;
    if (name == "Rss")
      m.rss_bytes = bytes;
    else if (name == "Pss")
      m.pss_bytes = bytes;
    else if (name == "Private_Clean" || name == "Private_Dirty")
      m.uss_bytes += bytes;
    else if (name == "Shared_Clean" || name == "Shared_Dirty")
      m.shared_bytes += bytes;
    else if (name == "Swap")
      m.swap_bytes = bytes;
  }
  return m;
}

std::optional<MemoryBreakdown> read_memory(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/smaps_rollup";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  char buffer[4096];
  std::size_t used = 0;
  while (used < sizeof buffer) {
    const ssize_t n = ::read(fd.get(), buffer + used, sizeof buffer - used);
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used == 0) return std::nullopt;  // a zombie has no mappings
  return parse_smaps_rollup(std::string_view(buffer, used));
}

}  // namespace clab::monitor
