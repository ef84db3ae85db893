// MonitModel: what `pm monit` shows, without the terminal: one row per process from the
// daemon's list (PM2's jlist with ClusterLab's figures in "monit"), a short history of each
// one's CPU, memory and requests/s for the sparklines, and which row is selected (kept on
// the same pm_id across updates). Pure: unit-tested without a terminal or a daemon.
#pragma once

#include <sys/types.h>

#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace clab::pm {

struct MonitRow {
  int pm_id = 0;
  std::string name;
  pid_t pid = 0;
  std::string status;
  int restarts = 0;
  double uptime_s = 0;
  double cpu_percent = 0;
  std::uint64_t rss_bytes = 0;
  std::uint64_t pss_bytes = 0;
  std::uint64_t uss_bytes = 0;
  std::optional<double> requests_per_second;
  std::optional<double> p99_ms;
  std::optional<std::uint64_t> in_flight;
  std::optional<double> heartbeat_age_ms;
  std::optional<double> loop_lag_ms;
  std::string out_log;
  std::string error_log;
};

class MonitModel {
 public:
  enum class Series { Cpu, Memory, RequestsPerSecond };
  static constexpr std::size_t kHistory = 60;  // samples kept per series

  // A new list from the daemon: rows replaced, one point added to each history.
  void update(const nlohmann::json& processes);
  const std::vector<MonitRow>& rows() const { return rows_; }
  const MonitRow* selected() const;
  void select_next();
  void select_previous();
  const std::deque<double>& history(int pm_id, Series series) const;

 private:
  std::vector<MonitRow> rows_;
  std::optional<int> selected_pm_id_;
  std::map<std::pair<int, Series>, std::deque<double>> history_;
};

// A sparkline of the last `width` values, scaled to their maximum: Unicode blocks
// (▁▂▃▄▅▆▇█), or ASCII (_.-=#) for a terminal without UTF-8. Left-padded with spaces.
std::string sparkline(const std::deque<double>& values, std::size_t width, bool unicode);

}  // namespace clab::pm
