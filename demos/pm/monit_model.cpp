#include "monit_model.hpp"

#include <algorithm>
#include <array>

namespace clab::pm {
namespace {

std::optional<double> number(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

MonitRow row_of(const nlohmann::json& p) {
  const nlohmann::json& env = p["pm2_env"];
  const nlohmann::json& monit = p["monit"];
  MonitRow r;
  r.pm_id = p.value("pm_id", 0);
  r.name = p.value("name", "");
  r.pid = p.value("pid", 0);
  r.status = env.value("status", "");
  r.restarts = env.value("restart_time", 0);
  r.uptime_s = monit.value("uptime_s", 0.0);
  r.cpu_percent = monit.value("cpu", 0.0);
  r.rss_bytes = monit.value("memory", std::uint64_t{0});
  r.pss_bytes = monit.value("pss_bytes", std::uint64_t{0});
  r.uss_bytes = monit.value("uss_bytes", std::uint64_t{0});
  const nlohmann::json requests = monit.value("requests", nlohmann::json());
  r.requests_per_second = number(requests, "per_second");
  r.p99_ms = number(requests, "p99_ms");
  if (auto n = number(requests, "in_flight")) r.in_flight = static_cast<std::uint64_t>(*n);
  r.heartbeat_age_ms = number(monit, "heartbeat_age_ms");
  r.loop_lag_ms = number(monit, "loop_lag_ms");
  r.out_log = env.value("pm_out_log_path", "");
  r.error_log = env.value("pm_err_log_path", "");
  return r;
}

}  // namespace

void MonitModel::update(const nlohmann::json& processes) {
  rows_.clear();
  for (const auto& p : processes)
    rows_.push_back(row_of(p));
  std::map<std::pair<int, Series>, std::deque<double>> kept;
  for (const auto& r : rows_) {
    const std::array<std::pair<Series, double>, 3> points = {
        std::pair{Series::Cpu, r.cpu_percent},
        std::pair{Series::Memory, static_cast<double>(r.rss_bytes)},
        std::pair{Series::RequestsPerSecond, r.requests_per_second.value_or(0)}};
    for (const auto& [series, value] : points) {
      auto& h = kept[{r.pm_id, series}] = std::move(history_[{r.pm_id, series}]);
      h.push_back(value);
      if (h.size() > kHistory) h.pop_front();
    }
  }
  history_ = std::move(kept);  // processes gone from the list take their history with them
  if (!selected() && !rows_.empty()) selected_pm_id_ = rows_.front().pm_id;
}

const MonitRow* MonitModel::selected() const {
  for (const auto& r : rows_) {
    if (selected_pm_id_ && r.pm_id == *selected_pm_id_) return &r;
  }
  return nullptr;
}

void MonitModel::select_next() {
  for (std::size_t i = 0; i + 1 < rows_.size(); ++i) {
    if (rows_[i].pm_id == selected_pm_id_) {
      selected_pm_id_ = rows_[i + 1].pm_id;
      return;
    }
  }
}

void MonitModel::select_previous() {
  for (std::size_t i = 1; i < rows_.size(); ++i) {
    if (rows_[i].pm_id == selected_pm_id_) {
      selected_pm_id_ = rows_[i - 1].pm_id;
      return;
    }
  }
}

const std::deque<double>& MonitModel::history(int pm_id, Series series) const {
  static const std::deque<double> none;
  const auto it = history_.find({pm_id, series});
  return it == history_.end() ? none : it->second;
}

std::string sparkline(const std::deque<double>& values, std::size_t width, bool unicode) {
  static constexpr std::array<const char*, 8> kBlocks = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static constexpr std::string_view kAscii = "_.-=#";
  const std::size_t shown = std::min(values.size(), width);
  const auto first = values.end() - static_cast<std::ptrdiff_t>(shown);
  const double top = shown > 0 ? *std::max_element(first, values.end()) : 0;
  std::string out(width - shown, ' ');
  for (auto it = first; it != values.end(); ++it) {
    const double level = top > 0 ? std::clamp(*it / top, 0.0, 1.0) : 0;
    if (unicode) {
      out += kBlocks[static_cast<std::size_t>(level * (kBlocks.size() - 1) + 0.5)];
    } else {
      out += kAscii[static_cast<std::size_t>(level * (kAscii.size() - 1) + 0.5)];
    }
  }
  return out;
}

}  // namespace clab::pm
