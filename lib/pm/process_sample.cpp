#include "pm/process_sample.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace clab::pm {

std::optional<ProcessSample> sample_process(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the
  // last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  ProcessSample sample;
  std::uint64_t utime = 0, stime = 0;
  long rss_pages = 0;
  // Fields from 3 (state): utime is 14, stime 15, rss 24.
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
    if (index == 24) {
      rss_pages = std::stol(field);
      break;
    }
  }
  sample.cpu_ticks = utime + stime;
  sample.rss_bytes = static_cast<std::uint64_t>(rss_pages > 0 ? rss_pages : 0) *
                     static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return sample;
}

double CpuMeter::update(pid_t pid, const ProcessSample& sample,
                        std::chrono::steady_clock::time_point now) {
  auto [it, fresh] = previous_.try_emplace(pid, Previous{sample.cpu_ticks, now, 0});
  if (fresh) return 0;
  Previous& p = it->second;
  const double seconds = std::chrono::duration<double>(now - p.at).count();
  if (seconds > 0 && sample.cpu_ticks >= p.ticks) {
    const double cpu_seconds = static_cast<double>(sample.cpu_ticks - p.ticks) /
                               static_cast<double>(::sysconf(_SC_CLK_TCK));
    p.percent = 100.0 * cpu_seconds / seconds;
  }
  p.ticks = sample.cpu_ticks;
  p.at = now;
  return p.percent;
}

double CpuMeter::last(pid_t pid) const {
  auto it = previous_.find(pid);
  return it == previous_.end() ? 0 : it->second.percent;
}

}  // namespace clab::pm
