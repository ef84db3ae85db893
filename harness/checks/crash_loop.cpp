// Check `crash-loop`: "a worker that keeps crashing is restarted with growing delays, then
// left alone; the primary and the healthy workers carry on".
//
// Two graceful-shutdown workers; instance 0 exits at start (--crash-at-start), with
// --exp-backoff-restart-delay 50, --min-uptime 1000, --max-restarts 4: restarts after 50,
// 75 and 112 ms, then the slot is marked errored. The primary stays up and instance 1
// keeps serving.
#include <fmt/format.h>

#include "checks/registry.hpp"
#include "http_probe.hpp"
#include "lifecycle_probe.hpp"
#include "policy_check.hpp"
#include "proc/process_table.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

class CrashLoopCheck final : public Check {
 public:
  std::string name() const override { return "crash-loop"; }
  std::string claim() const override {
    return "a crash-looping worker backs off, stops after max_restarts; the rest keep serving";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    CheckResult r{.check = name(), .variant = "exits at start"};
    auto started =
        start_cluster(r,
                      {.bin_dir = context.bin_dir,
                       .program = "graceful-shutdown",
                       .workers = 2,
                       .extra_args = {"--crash-at-start", "--exp-backoff-restart-delay", "50",
                                      "--min-uptime", "1000", "--max-restarts", "4"}},
                      /*wait_for_workers=*/false);
    if (!started) return {r};
    auto& cluster = *started;
    const auto errored = cluster.wait_event("errored", 10s);
    std::vector<std::int64_t> delays;
    for (const auto& e : events_so_far(cluster, "exit")) {
      if (e["worker"]["instance"] == 0 && e["action"] == "restart")
        delays.push_back(e.value("delay_ms", 0));
    }
    const bool primary_up = proc::is_running(cluster.primary_pid());
    const Reply reply = fetch(cluster.port(), "/");
    (void)cluster.stop();
    r.expect(errored.has_value(), "the crashing slot was never marked errored");
    r.expect(delays == std::vector<std::int64_t>{50, 75, 112},
             fmt::format("restart delays {}, expected 50, 75, 112", nlohmann::json(delays).dump()));
    r.expect(primary_up, "the primary did not stay up");
    r.expect(reply.status == 200, "the healthy worker did not answer: " + reply.error);
    r.figures = {{"restart_delays_ms", delays},
                 {"errored", errored.has_value()},
                 {"primary_up", primary_up},
                 {"healthy_worker_answered", reply.status == 200}};
    r.conclude(fmt::format("restarted after {} ms, then errored; primary up, healthy worker {}",
                           nlohmann::json(delays).dump(),
                           reply.status == 200 ? "serving" : "silent"));
    return {r};
  }
};

}  // namespace

std::unique_ptr<Check> make_crash_loop_check() {
  return std::make_unique<CrashLoopCheck>();
}

}  // namespace clab::harness
