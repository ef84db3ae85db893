// Check `orphans`: "no worker outlives its primary".
//
// Under a light keep-alive load, the primary is killed with SIGKILL, so it can neither stop
// its workers nor reap them. Each worker learns of it twice (PR_SET_PDEATHSIG delivers
// SIGTERM; its IPC channel reaches end of file), drains and exits. Expect every worker gone
// within a second; report how long the last one took.
#include <signal.h>

#include <fmt/format.h>

#include "checks/registry.hpp"
#include "http_probe.hpp"
#include "policy_check.hpp"
#include "proc/process_table.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

class OrphansCheck final : public PolicyCheck {
 public:
  std::string name() const override { return "orphans"; }
  std::string claim() const override { return "kill -9 of the primary leaves no worker running"; }

 private:
  void run_on(ClusterUnderTest& cluster, const CheckContext&, CheckResult& r) override {
    LightLoad load(cluster.port(), "/", 4, 100);
    r.expect(load.wait_for_ok(100, 10s), "the light load got no responses");
    const pid_t group = cluster.process().process_group();
    const auto killed_at = std::chrono::steady_clock::now();
    cluster.process().signal(SIGKILL);
    (void)cluster.process().wait(5s);  // reap the primary: only workers are left to watch
    const auto running = proc::wait_until_group_stopped(group, 1s);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - killed_at);
    load.stop();
    r.expect(running.empty(),
             fmt::format("{} workers still running 1 s after the primary died", running.size()));
    r.figures = {{"workers_running_after_1s", running.size()}, {"all_gone_after_ms", took.count()}};
    r.conclude(running.empty() ? fmt::format("every worker gone {} ms after kill -9 of the primary",
                                             took.count())
                               : fmt::format("{} workers still running after 1 s", running.size()));
  }
};

}  // namespace

std::unique_ptr<Check> make_orphans_check() {
  return std::make_unique<OrphansCheck>();
}

}  // namespace clab::harness
