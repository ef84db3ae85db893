// Monitor: what one supervising process (native-cluster's primary, the pm daemon) knows of
// its instances, for every view: their figures, sampled on demand by one Sampler (so every
// view sees the same rates), and a timeline of what happened to them (start, exit, respawn,
// reload, suspect, hung), the last kTimelineLength events. Views that push (the dashboard's
// event stream) subscribe to new events.
// Single-threaded: use it on the supervisor's loop thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cluster/worker_group.hpp"
#include "monitor/sampler.hpp"

namespace clab::monitor {

struct TimelineEvent {
  double at_s = 0;   // seconds since the epoch
  std::string kind;  // start, exit, respawn, reload, suspect, hung, stop
  std::string app;
  int instance = -1;
  pid_t pid = 0;
  std::string detail;
};
nlohmann::json to_json(const TimelineEvent& event);

class Monitor {
 public:
  static constexpr std::size_t kTimelineLength = 200;
  using Sources = std::function<std::vector<InstanceSource>()>;

  // `title` names what is watched on the views ("native-cluster", "pm").
  Monitor(std::string title, Sources sources)
      : title_(std::move(title)), sources_(std::move(sources)) {}

  const std::string& title() const { return title_; }
  // Samples now, unless the last sample is younger than 100 ms (two views asking at once)
  // and no lifecycle event was recorded since (a view asking after a restart sees it).
  const std::vector<InstanceFigures>& figures();
  // Everything the views show, as JSON: {"title", "at" (epoch seconds), "instances": [...],
  // "fairness" (Jain's index of their requests/s, or null), "totals": {"per_second",
  // "rss_bytes", "pss_bytes", "uss_bytes"}} and, asked for, "timeline": [...].
  nlohmann::json snapshot(bool with_timeline);
  void record(TimelineEvent event);
  const std::deque<TimelineEvent>& timeline() const { return timeline_; }
  // Calls `listener` with each event recorded from now on, until unsubscribe(the token).
  int subscribe(std::function<void(const TimelineEvent&)> listener);
  void unsubscribe(int token) { listeners_.erase(token); }

  // The group's events, chained before `events`' own: each lifecycle event is recorded.
  cluster::ClusterEvents recording(cluster::ClusterEvents events, std::string app);

 private:
  std::string title_;
  Sources sources_;
  Sampler sampler_;
  std::vector<InstanceFigures> last_;
  Clock::time_point sampled_at_;
  std::deque<TimelineEvent> timeline_;
  std::map<int, std::function<void(const TimelineEvent&)>> listeners_;
  int next_token_ = 1;
};

// Jain's fairness index of the instances' request rates: 1 when all serve alike, 1/n when
// one serves everything; nullopt when none serves.
std::optional<double> fairness_index(const std::vector<InstanceFigures>& instances);

}  // namespace clab::monitor
