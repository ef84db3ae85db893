#include "monitor/sampler.hpp"

#include <unistd.h>

#include <set>

#include "monitor/process_memory.hpp"
#include "monitor/process_sample.hpp"

namespace clab::monitor {
namespace {

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

LatencyCounts counts_of(const nlohmann::json& heartbeat) {
  LatencyCounts counts{};
  const auto it = heartbeat.find("latency_buckets");
  if (it == heartbeat.end() || !it->is_array()) return counts;
  for (std::size_t i = 0; i < counts.size() && i < it->size(); ++i)
    counts[i] = (*it)[i].get<std::uint64_t>();
  return counts;
}

}  // namespace

std::vector<InstanceFigures> Sampler::sample(const std::vector<InstanceSource>& sources,
                                             Clock::time_point now) {
  std::vector<InstanceFigures> out;
  std::set<pid_t> seen;
  for (const InstanceSource& source : sources) {
    InstanceFigures f{.app = source.app,
                      .instance = source.instance,
                      .id = source.id,
                      .status = source.status,
                      .restarts = source.restarts,
                      .pid = source.pid,
                      .suspect = source.suspect};
    if (source.pid == 0) {
      out.push_back(std::move(f));
      continue;
    }
    seen.insert(source.pid);
    f.uptime_s = seconds_between(source.started_at, now);
    auto [it, fresh] = previous_.try_emplace(source.pid);
    Previous& p = it->second;
    if (auto stat = sample_process(source.pid)) {
      f.cpu_seconds = stat->cpu_seconds();
      f.threads = stat->threads;
      f.rss_bytes = stat->rss_bytes;
      const double elapsed = seconds_between(p.sampled_at, now);
      if (!fresh && elapsed > 0 && stat->cpu_ticks >= p.cpu_ticks) {
        p.cpu_percent = 100.0 * static_cast<double>(stat->cpu_ticks - p.cpu_ticks) /
                        static_cast<double>(::sysconf(_SC_CLK_TCK)) / elapsed;
      }
      p.cpu_ticks = stat->cpu_ticks;
      p.sampled_at = now;
      f.cpu_percent = p.cpu_percent;
    }
    if (memory_breakdown_) {
      if (auto memory = read_memory(source.pid)) {
        f.rss_bytes = memory->rss_bytes;
        f.pss_bytes = memory->pss_bytes;
        f.uss_bytes = memory->uss_bytes;
        f.shared_bytes = memory->shared_bytes;
      }
    }
    add_requests(source, p, fresh, now, f);
    out.push_back(std::move(f));
  }
  std::erase_if(previous_, [&seen](const auto& entry) { return !seen.contains(entry.first); });
  return out;
}

void Sampler::add_requests(const InstanceSource& source, Previous& p, bool fresh,
                           Clock::time_point now, InstanceFigures& f) {
  const nlohmann::json& beat = source.heartbeat;
  if (!beat.is_object()) return;
  f.heartbeat_age_ms = std::chrono::duration<double, std::milli>(now - source.heartbeat_at).count();
  f.loop_lag_ms = beat.value("lag_ms", 0.0);
  if (!beat.contains("answered")) return;

  RequestFigures r;
  r.total = beat.value("answered", std::uint64_t{0});
  r.in_flight = beat.value("in_flight", std::uint64_t{0});
  r.open_connections = beat.value("open_connections", std::uint64_t{0});
  r.latency_counts = counts_of(beat);
  r.latency_sum_s = beat.value("latency_sum_ms", 0.0) / 1000;
  if (fresh || source.heartbeat_at != p.last_beat) {
    if (!fresh && p.window_from != Clock::time_point{}) {
      const double window = seconds_between(p.window_from, source.heartbeat_at);
      if (window > 0 && r.total >= p.answered_from) {
        p.per_second = static_cast<double>(r.total - p.answered_from) / window;
        LatencyCounts delta{};
        for (std::size_t i = 0; i < delta.size(); ++i)
          delta[i] = r.latency_counts[i] - std::min(r.latency_counts[i], p.counts_from[i]);
        p.p50_ms = latency_quantile_ms(delta, 0.50);
        p.p99_ms = latency_quantile_ms(delta, 0.99);
      }
    }
    p.window_from = source.heartbeat_at;
    p.answered_from = r.total;
    p.counts_from = r.latency_counts;
    p.last_beat = source.heartbeat_at;
  }
  if (now - source.heartbeat_at > kStaleHeartbeat) {
    p.per_second = 0;
    p.p50_ms.reset();
    p.p99_ms.reset();
  }
  r.per_second = p.per_second;
  r.p50_ms = p.p50_ms;
  r.p99_ms = p.p99_ms;
  f.requests = r;
}

}  // namespace clab::monitor
