// Check `wait-ready`: "a manager that waits for ready sends no traffic to a worker that is
// not ready, and replaces one that never is".
//
// slow-ready: one worker that says ready 1 s after listening (round-robin, --wait-ready).
// A request sent as soon as it listens is answered only after its "ready" event.
// slow-ready-naive: the same worker without --wait-ready: the request reaches it before it
// is ready (the pitfall: a real application would answer it half-initialised).
// never-ready: a worker that never says ready (--listen-timeout 500, backoff from 100 ms)
// is killed at each listen timeout and restarted after 100, 150 and 225 ms.
#include <fmt/format.h>

#include <thread>

#include "checks/registry.hpp"
#include "http_probe.hpp"
#include "lifecycle_probe.hpp"
#include "policy_check.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

class WaitReadyCheck final : public Check {
 public:
  std::string name() const override { return "wait-ready"; }
  std::string claim() const override {
    return "no connection reaches a worker before it is ready; a never-ready one is retried";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    return {slow_ready(context, /*wait_ready=*/false), slow_ready(context, /*wait_ready=*/true),
            never_ready(context)};
  }

 private:
  CheckResult slow_ready(const CheckContext& context, bool wait_ready) {
    CheckResult r{.check = name(), .variant = wait_ready ? "slow-ready" : "slow-ready-naive"};
    std::vector<std::string> args = {"--ready-delay", "1000", "--listen-timeout", "5000"};
    if (wait_ready) args.push_back("--wait-ready");
    auto started = start_cluster(r, {.bin_dir = context.bin_dir,
                                     .program = "graceful-shutdown",
                                     .workers = 1,
                                     .extra_args = args});
    if (!started) return r;
    auto& cluster = *started;
    const auto sent_ms = wall_clock_ms();
    const Reply reply = fetch(cluster.port(), "/");
    const auto answered_ms = wall_clock_ms();
    const auto ready = cluster.wait_event("ready", 5s);
    const std::int64_t ready_ms = ready ? ready->value("time_ms", std::int64_t{0}) : 0;
    r.expect(reply.status == 200, "the request was not answered: " + reply.error);
    r.expect(ready.has_value(), "no ready event");
    if (wait_ready) {
      r.expect(answered_ms >= ready_ms,
               fmt::format("answered {} ms before the worker was ready", ready_ms - answered_ms));
    } else {
      r.expect(answered_ms < ready_ms,
               "the request waited for ready: the naive pitfall did not show");
    }
    (void)cluster.stop();
    r.figures = {{"sent_to_ready_ms", ready_ms - sent_ms},
                 {"sent_to_answer_ms", answered_ms - sent_ms}};
    r.conclude(
        fmt::format("request sent while not ready: worker ready after {} ms, answered after {} ms",
                    ready_ms - sent_ms, answered_ms - sent_ms));
    return r;
  }

  CheckResult never_ready(const CheckContext& context) {
    CheckResult r{.check = name(), .variant = "never-ready"};
    auto started = start_cluster(
        r, {.bin_dir = context.bin_dir,
            .program = "graceful-shutdown",
            .workers = 1,
            .extra_args = {"--wait-ready", "--never-ready", "--listen-timeout", "500",
                           "--exp-backoff-restart-delay", "100", "--min-uptime", "100"}});
    if (!started) return r;
    auto& cluster = *started;
    const auto timeouts = collect_events(cluster, "listen-timeout", 3, 5s);
    (void)cluster.wait_event("exit", 5s);  // the third timeout's exit follows it
    const auto exits = events_so_far(cluster, "exit");
    (void)cluster.stop();
    std::vector<std::int64_t> delays;
    for (const auto& e : exits) {
      if (e["action"] == "restart") delays.push_back(e.value("delay_ms", std::int64_t{0}));
    }
    if (delays.size() > 3) delays.resize(3);
    r.expect(timeouts.size() == 3,
             fmt::format("{} listen timeouts seen, expected 3", timeouts.size()));
    r.expect(
        delays == std::vector<std::int64_t>{100, 150, 225},
        fmt::format("restart delays {}, expected 100, 150, 225", nlohmann::json(delays).dump()));
    r.figures = {{"listen_timeouts", timeouts.size()}, {"restart_delays_ms", delays}};
    r.conclude(fmt::format("killed at each 500 ms listen timeout; restarted after {} ms",
                           nlohmann::json(delays).dump()));
    return r;
  }
};

}  // namespace

std::unique_ptr<Check> make_wait_ready_check() {
  return std::make_unique<WaitReadyCheck>();
}

}  // namespace clab::harness
