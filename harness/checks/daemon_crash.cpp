// Check `daemon-crash`: "when the daemon dies, its apps die with it; resurrect brings back
// what was saved".
//
// kill-9: two apps (a cluster of two and a fork-mode one), saved, then the daemon gets
// SIGKILL: no app process may outlive it (each has PR_SET_PDEATHSIG, and a cluster worker
// also stops when its IPC channel closes). `pm resurrect` starts a new daemon and the saved
// apps, all online again.
#include <fmt/format.h>

#include <csignal>
#include <thread>

#include "checks/registry.hpp"
#include "pm_app.hpp"
#include "proc/process_table.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

class DaemonCrashCheck final : public Check {
 public:
  std::string name() const override { return "daemon-crash"; }
  std::string claim() const override {
    return "kill -9 of the daemon leaves no app process; resurrect restores the saved apps";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    return {timed([&] { return kill9(context); })};
  }

 private:
  CheckResult kill9(const CheckContext& context) {
    CheckResult r{.check = name(), .variant = "kill-9"};
    auto app = start_pm_app(context, r, 2);
    if (!app) return r;
    auto& pm = *app->pm;
    pm.write_file("fork.json", nlohmann::json{{"apps",
                                               {{{"name", "alone"},
                                                 {"script", pm.bin_dir() + "/clusterlab-app"},
                                                 {"args", {"--port", "0"}}}}}}
                                   .dump());
    r.expect(pm.pm({"start", pm.path("fork.json")}).code == 0, "the fork-mode app did not start");
    r.expect(pm.wait_online("alone", 1, 10s), "the fork-mode app is not online");
    r.expect(pm.pm({"save"}).code == 0, "pm save failed");
    const auto apps = pm.app_pids();
    const pid_t daemon = pm.daemon_pid();
    ::kill(daemon, SIGKILL);
    const auto killed_at = std::chrono::steady_clock::now();
    while (!pm.surviving_apps().empty() && std::chrono::steady_clock::now() - killed_at < 10s)
      std::this_thread::sleep_for(10ms);  // not our children: /proc is all there is to watch
    const auto gone_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - killed_at)
                             .count();
    const auto orphans = pm.surviving_apps();
    r.expect(apps.size() == 3,
             fmt::format("{} app processes before the kill, expected 3", apps.size()));
    r.expect(orphans.empty(), fmt::format("{} app processes outlived the daemon", orphans.size()));

    const auto resurrect = pm.pm({"resurrect"});
    const bool back = pm.wait_online("api", 2, 10s) && pm.wait_online("alone", 1, 10s);
    r.expect(resurrect.code == 0 && back,
             "resurrect did not bring the apps back: " + resurrect.text);
    r.figures = {{"apps_before", apps.size()},
                 {"orphans", orphans.size()},
                 {"all_gone_after_ms", gone_ms},
                 {"resurrected", back}};
    r.conclude(
        fmt::format("daemon killed with {} app processes: {} left after {} ms; resurrect: {}",
                    apps.size(), orphans.size(), gone_ms, back ? "all online" : "failed"));
    return r;
  }
};

}  // namespace

std::unique_ptr<Check> make_daemon_crash_check() {
  return std::make_unique<DaemonCrashCheck>();
}

}  // namespace clab::harness
