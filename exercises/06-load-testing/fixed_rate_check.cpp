// The check of the exercise `coordinated-omission`: replays a fixed-rate run through the
// learner's latency_ms() and reads its percentiles. 40 requests a second for 3 s on one
// connection, a server that answers in 10 ms but stalls for 1 s at t = 1 s. Exit status:
// 0 the tail shows the stall, 1 it does not (a FAIL line says what was seen and expected).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "fixed_rate.hpp"

namespace {

double nearest_rank(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

// Latencies of a run at `rate` for `seconds`, each request served in `service_ms`, and the
// server stalled (answers nothing) from stall_at_ms for stall_ms.
std::vector<double> replay(double rate, double seconds, double service_ms, double stall_at_ms,
                           double stall_ms) {
  std::vector<double> latencies;
  double free_at = 0;  // when the connection has its previous answer
  for (int i = 0; i < static_cast<int>(rate * seconds); ++i) {
    RequestTimes r;
    r.due_ms = i * 1000.0 / rate;
    r.sent_ms = std::max(r.due_ms, free_at);
    double start = r.sent_ms;
    if (start >= stall_at_ms && start < stall_at_ms + stall_ms) start = stall_at_ms + stall_ms;
    r.answered_ms = start + service_ms;
    free_at = r.answered_ms;
    latencies.push_back(latency_ms(r));
  }
  return latencies;
}

}  // namespace

int main() {
  int wrong = 0;
  const auto calm = replay(40, 3, 10, 0, 0);
  const double calm_p50 = nearest_rank(calm, 50);
  fmt::print("without a stall: p50 {:.0f} ms, p99 {:.0f} ms\n", calm_p50, nearest_rank(calm, 99));
  if (std::fabs(calm_p50 - 10) > 0.5) {
    fmt::print(
        "FAIL: without a stall every request takes 10 ms, so p50 must be 10 ms, not {:.0f}\n",
        calm_p50);
    ++wrong;
  }
  const auto stalled = replay(40, 3, 10, 1000, 1000);
  const double p50 = nearest_rank(stalled, 50), p99 = nearest_rank(stalled, 99);
  const auto over_100 =
      std::count_if(stalled.begin(), stalled.end(), [](double l) { return l > 100; });
  fmt::print("with a 1 s stall: p50 {:.0f} ms, p99 {:.0f} ms, {} of {} requests over 100 ms\n", p50,
             p99, over_100, stalled.size());
  if (p99 < 900) {
    fmt::print(
        "FAIL: p99 is {:.0f} ms with a 1 s stall: the {} requests due during the stall waited "
        "for it, up to a second each, and the figure must say so (at least 900 ms)\n",
        p99, 40);
    ++wrong;
  }
  if (over_100 < 30) {
    fmt::print("FAIL: only {} requests over 100 ms: about 40 were due while the server stalled\n",
               over_100);
    ++wrong;
  }
  return wrong == 0 ? 0 : 1;
}
