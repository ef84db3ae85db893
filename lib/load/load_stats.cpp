#include "load/load_stats.hpp"

#include <algorithm>

namespace clab::load {

void LoadStats::merge(const LoadStats& o) {
  latency.merge(o.latency);
  sent += o.sent;
  responses += o.responses;
  errors += o.errors;
  connect_errors += o.connect_errors;
  timeouts += o.timeouts;
  unanswered_at_end += o.unanswered_at_end;
  non_2xx += o.non_2xx;
  bytes_read += o.bytes_read;
  reconnects += o.reconnects;
  for (const auto& [k, v] : o.status_codes)
    status_codes[k] += v;
  for (const auto& [k, v] : o.by_worker)
    by_worker[k] += v;
  auto add_samples = [](std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
    if (into.size() < from.size()) into.resize(from.size());
    for (std::size_t i = 0; i < from.size(); ++i)
      into[i] += from[i];
  };
  add_samples(requests_per_second, o.requests_per_second);
  add_samples(bytes_per_second, o.bytes_per_second);
  for (const auto& e : o.error_samples)
    add_error_sample(e);
}

void LoadStats::add_error_sample(std::string message) {
  if (error_samples.size() >= 5) return;
  if (std::find(error_samples.begin(), error_samples.end(), message) != error_samples.end()) return;
  error_samples.push_back(std::move(message));
}

}  // namespace clab::load
