#include "monitor/monitor.hpp"

#include <fmt/format.h>

#include "load/load_report.hpp"

namespace clab::monitor {
namespace {

double epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// `then` after `first`, both optional.
template <typename First, typename... Args>
std::function<void(Args...)> chain(First first, std::function<void(Args...)> then) {
  if (!then) return first;
  return [first = std::move(first), then = std::move(then)](Args... args) {
    first(args...);
    then(args...);
  };
}

}  // namespace

nlohmann::json to_json(const TimelineEvent& e) {
  return {{"at", e.at_s},           {"kind", e.kind}, {"app", e.app},
          {"instance", e.instance}, {"pid", e.pid},   {"detail", e.detail}};
}

const std::vector<InstanceFigures>& Monitor::figures() {
  const auto now = Clock::now();
  if (last_.empty() || now - sampled_at_ >= std::chrono::milliseconds(100)) {
    last_ = sampler_.sample(sources_(), now);
    sampled_at_ = now;
  }
  return last_;
}

void Monitor::record(TimelineEvent event) {
  last_.clear();  // the processes changed: the next view samples again
  if (event.at_s == 0) event.at_s = epoch_seconds();
  timeline_.push_back(event);
  while (timeline_.size() > kTimelineLength)
    timeline_.pop_front();
  for (const auto& [token, listener] : listeners_)
    listener(event);
}

int Monitor::subscribe(std::function<void(const TimelineEvent&)> listener) {
  listeners_.emplace(next_token_, std::move(listener));
  return next_token_++;
}

cluster::ClusterEvents Monitor::recording(cluster::ClusterEvents events, std::string app) {
  using cluster::Worker;
  auto note = [this, app](const char* kind, const Worker& w, std::string detail = {}) {
    record({.kind = kind,
            .app = app,
            .instance = w.instance(),
            .pid = w.pid(),
            .detail = std::move(detail)});
  };
  events.listening = chain([note](Worker& w) { note("start", w); }, events.listening);
  events.suspect = chain(
      [note](Worker& w, std::chrono::milliseconds silent) {
        note("suspect", w, fmt::format("no heartbeat for {} ms", silent.count()));
      },
      events.suspect);
  events.hung = chain(
      [note](Worker& w, std::chrono::milliseconds silent) {
        note("hung", w, fmt::format("no heartbeat for {} ms: killed", silent.count()));
      },
      events.hung);
  events.exit = chain(
      [note](Worker& w, const cluster::ExitStatus& status,
             const cluster::RespawnDecision& decision) {
        const bool respawn = decision.action == cluster::RespawnDecision::Action::Restart;
        note(respawn ? "respawn" : "exit", w,
             fmt::format("{}{}", status.describe(),
                         decision.reason.empty() ? "" : "; " + decision.reason));
      },
      events.exit);
  return events;
}

nlohmann::json Monitor::snapshot(bool with_timeline) {
  const auto& all = figures();
  nlohmann::json instances = nlohmann::json::array();
  double per_second = 0;
  std::uint64_t rss = 0, pss = 0, uss = 0;
  for (const auto& f : all) {
    instances.push_back(to_json(f));
    if (f.requests) per_second += f.requests->per_second;
    rss += f.rss_bytes;
    pss += f.pss_bytes;
    uss += f.uss_bytes;
  }
  const auto fairness = fairness_index(all);
  nlohmann::json out = {
      {"title", title_},
      {"at", epoch_seconds()},
      {"instances", std::move(instances)},
      {"fairness", fairness ? nlohmann::json(*fairness) : nlohmann::json()},
      {"totals",
       {{"per_second", per_second}, {"rss_bytes", rss}, {"pss_bytes", pss}, {"uss_bytes", uss}}}};
  if (with_timeline) {
    out["timeline"] = nlohmann::json::array();
    for (const auto& event : timeline())
      out["timeline"].push_back(to_json(event));
  }
  return out;
}

std::optional<double> fairness_index(const std::vector<InstanceFigures>& instances) {
  std::vector<double> rates;
  for (const auto& f : instances) {
    if (f.requests) rates.push_back(f.requests->per_second);
  }
  const double index = load::jain_fairness(rates);
  return index > 0 ? std::optional(index) : std::nullopt;
}

}  // namespace clab::monitor
