// Check `zero-downtime-reload`: "a reload replaces every instance without losing a request,
// and a release that never comes up is rolled back".
//
// All under a full-rate keep-alive load, counting every request without a 2xx answer:
// restart-naive: `pm restart` five times: stop then start, so the port is closed between.
// pm2-rule-naive: a release that never comes up (it never listens), reloaded with PM2's
//   rule: at listen_timeout the old instance goes anyway.
// reload: `pm reload` twenty times under 100 connections: each new instance is up before
//   the old one is asked to stop and drain.
// rollback: the same broken release, reloaded: rolled back, the old instances serve on.
#include <fmt/format.h>

#include "background_load.hpp"
#include "checks/registry.hpp"
#include "pm_app.hpp"

namespace clab::harness {
namespace {

constexpr const char* kNeverListens = "sleep 600 #";  // a release that hangs at start

class ZeroDowntimeReloadCheck final : public Check {
 public:
  std::string name() const override { return "zero-downtime-reload"; }
  std::string claim() const override {
    return "pm reload loses no request, and rolls a broken release back; restart loses some";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    return {timed([&] { return restart(context); }),
            timed([&] { return broken_release(context, /*pm2_rule=*/true); }),
            timed([&] { return reloads(context); }),
            timed([&] { return broken_release(context, /*pm2_rule=*/false); })};
  }

 private:
  CheckResult restart(const CheckContext& context) {
    CheckResult r{.check = name(), .variant = "restart-naive"};
    auto app = start_pm_app(context, r, context.workers);
    if (!app) return r;
    BackgroundLoad load(app->port, 100, 3, 2);
    int failed_commands = 0;
    for (int i = 0; i < 5; ++i)
      failed_commands += app->pm->pm({"restart", "api"}).code != 0;
    load.finish();
    r.expect(failed_commands == 0, fmt::format("{} restarts failed", failed_commands));
    r.expect(load.failed() > 0, "no request failed: the naive pitfall did not show");
    r.figures = {{"restarts", 5}, {"responses", load.responses()}, {"failed", load.failed()}};
    r.conclude(fmt::format("5 restarts under 100 connections: {} requests failed of {}",
                           load.failed(), load.failed() + load.responses()));
    return r;
  }

  CheckResult reloads(const CheckContext& context) {
    CheckResult r{.check = name(), .variant = "reload"};
    auto app = start_pm_app(context, r, context.workers);
    if (!app) return r;
    BackgroundLoad load(app->port, 100, 4);
    int failed_commands = 0;
    const auto begin = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i)
      failed_commands += app->pm->pm({"reload", "api"}).code != 0;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - begin)
                        .count();
    load.finish();
    r.expect(failed_commands == 0, fmt::format("{} reloads failed", failed_commands));
    r.expect(load.failed() == 0, fmt::format("{} requests failed", load.failed()));
    r.expect(load.responses() > 0, "no response at all");
    r.figures = {{"reloads", 20},
                 {"reload_ms_median_estimate", ms / 20},
                 {"responses", load.responses()},
                 {"failed", load.failed()}};
    r.conclude(fmt::format("20 reloads in {} ms under 100 connections: {} requests failed of {}",
                           ms, load.failed(), load.failed() + load.responses()));
    return r;
  }

  CheckResult broken_release(const CheckContext& context, bool pm2_rule) {
    CheckResult r{.check = name(), .variant = pm2_rule ? "pm2-rule-naive" : "rollback"};
    auto app = start_pm_app(context, r, context.workers, {{"listen_timeout", 1000}});
    if (!app) return r;
    const auto before = app->pm->processes("api");
    app->write_release(kNeverListens);
    BackgroundLoad load(app->port, 20, 3, 1);
    std::vector<std::string> args = {"reload", "api"};
    if (pm2_rule) args.push_back("--pm2-timeout-rule");
    const auto run = app->pm->pm(args);
    load.finish();
    r.figures = {{"reload_exit_status", run.code},
                 {"responses", load.responses()},
                 {"failed", load.failed()}};
    if (pm2_rule) {
      r.expect(run.code == 0, "PM2's rule reports the reload as done: " + run.text);
      r.expect(load.failed() > 0, "no request failed: the naive pitfall did not show");
      r.conclude(
          fmt::format("a release that never listens, PM2's rule: reload says done, {} "
                      "requests failed of {}",
                      load.failed(), load.failed() + load.responses()));
    } else {
      const auto after = app->pm->processes("api");
      r.expect(run.code == 1,
               fmt::format("the reload exited {}, expected 1: {}", run.code, run.text));
      r.expect(run.text.find("rolled back") != std::string::npos, "no rollback said: " + run.text);
      r.expect(load.failed() == 0, fmt::format("{} requests failed", load.failed()));
      r.expect(before && after && before.value().size() == after.value().size() &&
                   std::equal(before.value().begin(), before.value().end(), after.value().begin(),
                              [](const auto& a, const auto& b) { return a["pid"] == b["pid"]; }),
               "the old instances did not keep serving");
      r.conclude(
          fmt::format("a release that never listens: rolled back (exit {}), {} requests "
                      "failed of {}",
                      run.code, load.failed(), load.failed() + load.responses()));
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<Check> make_zero_downtime_reload_check() {
  return std::make_unique<ZeroDowntimeReloadCheck>();
}

}  // namespace clab::harness
