// Check `memory-restart`: "an instance past max_memory_restart is replaced gracefully, not
// killed: no request fails".
//
// leak: clusterlab-app growing by 40 MB/s (its --leak-mb-per-s fault), max_memory_restart
// 60M, two instances under a keep-alive load: within a few seconds the daemon's sampling
// sees each instance past the limit and reloads it (a new process up first, the old one
// drained); every request is answered.
#include <fmt/format.h>

#include <thread>

#include "background_load.hpp"
#include "checks/registry.hpp"
#include "pm_app.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

class MemoryRestartCheck final : public Check {
 public:
  std::string name() const override { return "memory-restart"; }
  std::string claim() const override {
    return "an instance past max_memory_restart is reloaded gracefully: no request fails";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    return {timed([&] { return leak(context); })};
  }

 private:
  CheckResult leak(const CheckContext& context) {
    CheckResult r{.check = name(), .variant = "leak"};
    auto app = start_pm_app(context, r, 2, {{"max_memory_restart", "60M"}}, "--leak-mb-per-s 40");
    if (!app) return r;
    const auto first = app->pm->processes("api");
    BackgroundLoad load(app->port, 20, 5);
    load.finish();
    const auto after = app->pm->processes("api");
    int restarts = 0;
    std::uint64_t largest = 0;
    if (after) {
      for (const auto& p : after.value()) {
        restarts += p["pm2_env"].value("restart_time", 0);
        largest = std::max(largest, p["monit"].value("memory", std::uint64_t{0}));
      }
    }
    r.expect(restarts >= 2,
             fmt::format("{} reloads in 5 s, expected one per instance at least", restarts));
    r.expect(load.failed() == 0, fmt::format("{} requests failed", load.failed()));
    r.expect(load.responses() > 0, "no response at all");
    r.figures = {{"reloads", restarts},
                 {"responses", load.responses()},
                 {"failed", load.failed()},
                 {"largest_rss_after_bytes", largest}};
    r.conclude(
        fmt::format("leaking 40 MB/s, limit 60 MB: {} graceful reloads in 5 s, {} requests "
                    "failed of {}",
                    restarts, load.failed(), load.failed() + load.responses()));
    return r;
  }
};

}  // namespace

std::unique_ptr<Check> make_memory_restart_check() {
  return std::make_unique<MemoryRestartCheck>();
}

}  // namespace clab::harness
