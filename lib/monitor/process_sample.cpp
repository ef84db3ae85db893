#include "monitor/process_sample.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <string>
#include <string_view>

#include "core/unique_fd.hpp"

namespace clab::monitor {
namespace {

// The field at `index` (1-based, as proc(5) counts them) of /proc/PID/stat, from field 3
// on: the command name (field 2) may hold spaces and parentheses, so fields resume after
// its last ')'.
std::uint64_t stat_field(std::string_view after_name, int index) {
  int field = 3;
  std::size_t begin = 0;
  while (begin < after_name.size()) {
    std::size_t end = after_name.find(' ', begin);
    if (end == std::string_view::npos) end = after_name.size();
    if (field == index) {
      std::int64_t value = 0;
      std::from_chars(after_name.data() + begin, after_name.data() + end, value);
      return value > 0 ? static_cast<std::uint64_t>(value) : 0;
    }
    ++field;
    begin = end + 1;
  }
  return 0;
}

}  // namespace

std::optional<ProcessSample> sample_process(pid_t pid) {
  // read(2), not a stream: the daemon does this for every process every second.
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  char buffer[1024];
  const ssize_t n = ::read(fd.get(), buffer, sizeof buffer - 1);
  if (n <= 0) return std::nullopt;
  const std::string_view text(buffer, static_cast<std::size_t>(n));
  const auto close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 > text.size()) return std::nullopt;
  const std::string_view fields = text.substr(close + 2);
  ProcessSample sample;
  sample.cpu_ticks = stat_field(fields, 14) + stat_field(fields, 15);  // utime + stime
  sample.threads = static_cast<std::uint32_t>(stat_field(fields, 20));
  sample.rss_bytes = stat_field(fields, 24) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return sample;
}

double ProcessSample::cpu_seconds() const {
  return static_cast<double>(cpu_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace clab::monitor
