// Check `kill-timeout`: "a worker that will not stop is killed after kill_timeout".
//
// One graceful-shutdown worker ignores SIGINT and SIGTERM. SIGTERM to the primary: the
// primary asks the worker to stop, waits kill_timeout (1,000 ms here), then SIGKILLs it,
// and exits with status 1 because it had to. Figures: the measured stop time against the
// setting.
#include <signal.h>

#include <fmt/format.h>

#include "checks/registry.hpp"
#include "lifecycle_probe.hpp"
#include "policy_check.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

class KillTimeoutCheck final : public Check {
 public:
  std::string name() const override { return "kill-timeout"; }
  std::string claim() const override {
    return "a worker that ignores the stop signal is SIGKILLed after kill_timeout";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    constexpr int kKillTimeoutMs = 1000;
    CheckResult r{.check = name(), .variant = "ignores SIGINT"};
    auto started = start_cluster(
        r, {.bin_dir = context.bin_dir,
            .program = "graceful-shutdown",
            .workers = 1,
            .extra_args = {"--ignore-signals", "--kill-timeout", std::to_string(kKillTimeoutMs)}});
    if (!started) return {r};
    auto& cluster = *started;
    cluster.process().signal(SIGTERM);
    const auto exit = cluster.wait_event("exit", 10s);
    const auto status = cluster.process().wait(10s);
    const std::int64_t stop_ms = exit ? exit->value("stop_ms", std::int64_t{-1}) : -1;
    const bool killed =
        exit && exit->value("killed_by_primary", false) && (*exit)["signal"] == SIGKILL;
    r.expect(killed, "the worker was not SIGKILLed by the primary");
    r.expect(stop_ms >= kKillTimeoutMs,
             fmt::format("killed after {} ms, before kill_timeout", stop_ms));
    // The precision is a figure; the bound only says the kill came at all (a loaded
    // two-core machine may be seconds late).
    r.expect(stop_ms < kKillTimeoutMs + 5000, fmt::format("killed only after {} ms", stop_ms));
    r.expect(status && status->code == 1, "the primary did not exit with status 1");
    r.figures = {{"kill_timeout_ms", kKillTimeoutMs},
                 {"measured_stop_ms", stop_ms},
                 {"late_by_ms", stop_ms - kKillTimeoutMs},
                 {"primary_exit", status ? status->describe() : "still running"}};
    r.conclude(fmt::format("SIGKILL after {} ms for kill_timeout {} ms ({:+} ms); primary exit {}",
                           stop_ms, kKillTimeoutMs, stop_ms - kKillTimeoutMs,
                           status ? status->describe() : "none"));
    return {r};
  }
};

}  // namespace

std::unique_ptr<Check> make_kill_timeout_check() {
  return std::make_unique<KillTimeoutCheck>();
}

}  // namespace clab::harness
