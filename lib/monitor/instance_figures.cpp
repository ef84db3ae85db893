#include "monitor/instance_figures.hpp"

#include "cluster/worker_group.hpp"

namespace clab::monitor {
namespace {

nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

}  // namespace

std::vector<InstanceSource> sources_of(const cluster::WorkerGroup& group, const std::string& app) {
  std::vector<InstanceSource> out;
  for (const auto& slot : group.slots()) {
    InstanceSource s{.app = app, .instance = slot.instance, .restarts = slot.restarts};
    if (const cluster::Worker* w = slot.worker) {
      s.id = w->id();
      s.pid = w->pid();
      s.status = w->suspect() && w->is_alive() ? "suspect" : std::string(to_string(w->state()));
      s.started_at = w->started_at();
      s.heartbeat = w->heartbeat();
      s.heartbeat_at = w->heartbeat_at();
      s.suspect = w->suspect();
    } else {
      s.status = slot.errored ? "errored" : slot.stopped ? "stopped" : "waiting restart";
    }
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json to_json(const InstanceFigures& f) {
  nlohmann::json j = {{"app", f.app},
                      {"instance", f.instance},
                      {"id", f.id},
                      {"status", f.status},
                      {"restarts", f.restarts},
                      {"pid", f.pid},
                      {"uptime_s", f.uptime_s},
                      {"cpu_percent", f.cpu_percent},
                      {"cpu_seconds", f.cpu_seconds},
                      {"threads", f.threads},
                      {"rss_bytes", f.rss_bytes},
                      {"pss_bytes", f.pss_bytes},
                      {"uss_bytes", f.uss_bytes},
                      {"shared_bytes", f.shared_bytes},
                      {"heartbeat_age_ms", optional_number(f.heartbeat_age_ms)},
                      {"loop_lag_ms", optional_number(f.loop_lag_ms)},
                      {"suspect", f.suspect}};
  if (f.requests) {
    const RequestFigures& r = *f.requests;
    j["requests"] = {{"total", r.total},
                     {"per_second", r.per_second},
                     {"in_flight", r.in_flight},
                     {"open_connections", r.open_connections},
                     {"p50_ms", optional_number(r.p50_ms)},
                     {"p99_ms", optional_number(r.p99_ms)}};
  } else {
    j["requests"] = nullptr;
  }
  return j;
}

}  // namespace clab::monitor
