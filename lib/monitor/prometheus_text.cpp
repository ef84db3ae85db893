#include "monitor/prometheus_text.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <iterator>

#include "monitor/process_sample.hpp"

namespace clab::monitor {
namespace {

std::string escaped(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labels(const InstanceFigures& f) {
  return fmt::format("app=\"{}\",instance=\"{}\"", escaped(f.app), f.instance);
}

// Seconds since the epoch at which a process that has run `uptime_s` started.
double start_time(double uptime_s) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(now).count() - uptime_s;
}

class Exposition {
 public:
  // One family: its HELP and TYPE lines, then a sample per instance that has the figure.
  void family(const std::string& name, const char* type, const char* help,
              const std::vector<InstanceFigures>& instances,
              const std::function<std::optional<double>(const InstanceFigures&)>& value) {
    header(name, type, help);
    for (const auto& f : instances) {
      if (auto v = value(f)) fmt::format_to(out(), "{}{{{}}} {}\n", name, labels(f), *v);
    }
  }
  void header(const std::string& name, const char* type, const char* help) {
    fmt::format_to(out(), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void single(const std::string& name, const char* type, const char* help, double value) {
    header(name, type, help);
    fmt::format_to(out(), "{} {}\n", name, value);
  }
  std::string& text() { return text_; }
  std::back_insert_iterator<std::string> out() { return std::back_inserter(text_); }

 private:
  std::string text_;
};

std::size_t open_descriptors() {
  std::size_t n = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* entry = ::readdir(dir))
      n += entry->d_name[0] != '.';
    ::closedir(dir);
  }
  return n > 0 ? n - 1 : 0;  // opendir's own descriptor
}

void self_process(Exposition& e) {
  static const auto started = std::chrono::steady_clock::now();
  const auto self = sample_process(::getpid());
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  e.single("process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.",
           self ? self->cpu_seconds() : 0);
  e.single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           static_cast<double>(self ? self->rss_bytes : 0));
  e.single("process_open_fds", "gauge", "Number of open file descriptors.",
           static_cast<double>(open_descriptors()));
  e.single("process_max_fds", "gauge", "Maximum number of open file descriptors.",
           static_cast<double>(limit.rlim_cur));
  e.single("process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds (as this exporter saw it).",
           start_time(
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
}

void latency_histogram(Exposition& e, const std::vector<InstanceFigures>& instances) {
  const std::string name = "clusterlab_worker_request_duration_seconds";
  e.header(name, "histogram",
           "Time from a request read whole to its response, per instance, as its heartbeats "
           "report it.");
  for (const auto& f : instances) {
    if (!f.requests) continue;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBucketCount; ++i) {
      cumulative += f.requests->latency_counts[i];
      const std::string le =
          i < kLatencyBoundsMs.size() ? fmt::format("{}", kLatencyBoundsMs[i] / 1000) : "+Inf";
      fmt::format_to(e.out(), "{}_bucket{{{},le=\"{}\"}} {}\n", name, labels(f), le, cumulative);
    }
    fmt::format_to(e.out(), "{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels(f),
                   f.requests->latency_sum_s, name, labels(f), cumulative);
  }
}

}  // namespace

std::string prometheus_text(const std::vector<InstanceFigures>& instances) {
  Exposition e;
  using F = const InstanceFigures&;
  using Value = std::optional<double>;
  auto alive = [](F f) { return f.pid != 0; };
  auto with_process = [&](auto get) {
    return [alive, get](F f) -> Value {
      if (!alive(f)) return std::nullopt;
      return static_cast<double>(get(f));
    };
  };
  auto with_requests = [](auto get) {
    return [get](F f) -> Value {
      if (!f.requests) return std::nullopt;
      return static_cast<double>(get(*f.requests));
    };
  };

  e.header("clusterlab_worker_info", "gauge",
           "1 for each instance, labelled with its process id and status.");
  for (const auto& f : instances) {
    fmt::format_to(e.out(), "clusterlab_worker_info{{{},pid=\"{}\",status=\"{}\"}} 1\n", labels(f),
                   f.pid, escaped(f.status));
  }
  e.family("clusterlab_worker_up", "gauge", "1 when the instance has a process, 0 when not.",
           instances, [alive](F f) -> Value { return alive(f) ? 1.0 : 0.0; });
  e.family("clusterlab_worker_restarts_total", "counter",
           "Processes started for the instance after its first.", instances,
           [](F f) -> Value { return f.restarts; });
  e.family("clusterlab_worker_start_time_seconds", "gauge",
           "Start time of the instance's process since unix epoch in seconds.", instances,
           with_process([](F f) { return start_time(f.uptime_s); }));
  e.family("clusterlab_worker_cpu_seconds_total", "counter",
           "User and system CPU time of the instance's process in seconds.", instances,
           with_process([](F f) { return f.cpu_seconds; }));
  e.family("clusterlab_worker_resident_memory_bytes", "gauge",
           "Resident memory of the instance's process (RSS: shared pages counted in full).",
           instances, with_process([](F f) { return f.rss_bytes; }));
  e.family("clusterlab_worker_proportional_memory_bytes", "gauge",
           "Proportional set size (PSS: each shared page divided among its sharers).", instances,
           with_process([](F f) { return f.pss_bytes; }));
  e.family("clusterlab_worker_unique_memory_bytes", "gauge",
           "Unique set size (USS: pages only this process maps).", instances,
           with_process([](F f) { return f.uss_bytes; }));
  e.family("clusterlab_worker_requests_total", "counter",
           "Requests the instance's process answered, as its heartbeats report.", instances,
           with_requests([](const RequestFigures& r) { return r.total; }));
  e.family("clusterlab_worker_requests_in_flight", "gauge",
           "Requests being handled by the instance's process.", instances,
           with_requests([](const RequestFigures& r) { return r.in_flight; }));
  e.family("clusterlab_worker_open_connections", "gauge",
           "Connections the instance's process holds open.", instances,
           with_requests([](const RequestFigures& r) { return r.open_connections; }));
  e.family("clusterlab_worker_heartbeat_age_seconds", "gauge",
           "Seconds since the instance's last heartbeat.", instances, [](F f) -> Value {
             if (!f.heartbeat_age_ms) return std::nullopt;
             return *f.heartbeat_age_ms / 1000;
           });
  e.family("clusterlab_worker_event_loop_lag_seconds", "gauge",
           "How late the instance's loop ran its last heartbeat timer.", instances,
           [](F f) -> Value {
             if (!f.loop_lag_ms) return std::nullopt;
             return *f.loop_lag_ms / 1000;
           });
  latency_histogram(e, instances);
  self_process(e);
  return std::move(e.text());
}

}  // namespace clab::monitor
