// Check `respawn`: "the primary respawns a worker that dies".
//
// Under a light keep-alive load, kill -9 one worker. Expect: a replacement with a new pid
// serves requests, the worker count is back to N, no request to a surviving worker fails,
// and after the cluster stops no process of it remains (no orphan, no zombie). Figures: the
// time from the kill to the exit being noticed, to the replacement listening and to its
// first response.
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>

#include "checks/registry.hpp"
#include "elapsed.hpp"
#include "http_probe.hpp"
#include "policy_check.hpp"
#include "proc/process_table.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The first response from `pid` on a fresh connection; returns false after max_tries.
bool wait_until_serving(std::uint16_t port, pid_t pid, int max_tries, int* tries) {
  for (*tries = 1; *tries <= max_tries; ++*tries) {
    if (fetch(port, "/").pid == pid) return true;
  }
  return false;
}

class RespawnCheck final : public PolicyCheck {
 public:
  std::string name() const override { return "respawn"; }
  std::string claim() const override {
    return "a worker killed with SIGKILL is replaced; the others keep serving; nothing is left "
           "behind";
  }

 private:
  void run_on(ClusterUnderTest& cluster, const CheckContext& context, CheckResult& r) override {
    LightLoad load(cluster.port(), "/", /*connections=*/4, /*rate=*/100);
    r.expect(load.wait_for_ok(200, 10s), "the light load got no responses");

    // The victim: the worker serving most of the load, so the kill hits open connections.
    const auto served = load.tally().ok_by_pid;
    pid_t victim = cluster.live_workers().front();
    for (const auto& [pid, n] : served) {
      if (n > (served.count(victim) ? served.at(victim) : 0)) victim = pid;
    }
    const auto killed_at = Clock::now();
    ::kill(victim, SIGKILL);

    const auto exit_event = cluster.wait_event(
        "exit", 5s, [victim](const nlohmann::json& e) { return e["worker"]["pid"] == victim; });
    const double noticed_ms = ms_since(killed_at);
    r.expect(exit_event && (*exit_event)["action"] == "restart",
             "the primary did not report the killed worker's exit with a restart");
    const auto listening = cluster.wait_event("listening", 5s);
    const double listening_ms = ms_since(killed_at);
    pid_t replacement = 0;
    double serving_ms = -1;
    int tries = 0;
    if (listening) {
      replacement = (*listening)["worker"]["pid"].get<pid_t>();
      if (wait_until_serving(cluster.port(), replacement, 2000, &tries))
        serving_ms = ms_since(killed_at);
    }
    r.expect(replacement != 0, "no replacement worker started listening within 5 s");
    r.expect(serving_ms >= 0,
             fmt::format("the replacement {} did not answer in {} tries", replacement, tries));

    const auto before = load.tally().ok;
    r.expect(load.wait_for_ok(before + 200, 10s),
             "the load stopped getting responses after the kill");
    load.stop();
    const auto tally = load.tally();
    std::uint64_t failed_on_survivors = 0;
    for (const auto& [pid, n] : tally.failed_by_pid) {
      if (pid != victim) failed_on_survivors += n;
    }
    const std::uint64_t lost_with_victim =
        tally.failed_by_pid.count(victim) ? tally.failed_by_pid.at(victim) : 0;
    r.expect(failed_on_survivors == 0,
             fmt::format("{} requests to surviving workers failed", failed_on_survivors));

    std::size_t live_children = 0;
    for (const auto& child : proc::children_of(cluster.primary_pid())) {
      if (child.state != 'Z') ++live_children;
    }
    r.expect(live_children == static_cast<std::size_t>(context.workers),
             fmt::format("{} worker processes after the respawn, expected {}", live_children,
                         context.workers));

    const auto status = cluster.stop();
    r.expect(status.has_value(), "the primary did not exit within 10 s of SIGTERM");
    const auto leftovers = cluster.leftovers();
    r.expect(leftovers.empty(),
             fmt::format("{} processes of the cluster remain after it stopped", leftovers.size()));

    r.figures = {{"kill_to_exit_noticed_ms", noticed_ms},
                 {"kill_to_listening_ms", listening_ms},
                 {"kill_to_serving_ms", serving_ms},
                 {"fresh_connections_to_reach_replacement", tries},
                 {"requests_ok", tally.ok},
                 {"failed_on_survivors", failed_on_survivors},
                 {"lost_with_killed_worker", lost_with_victim},
                 {"failed_on_new_connections", tally.failed_unattributed},
                 {"workers_after", live_children},
                 {"leftover_processes", leftovers.size()},
                 {"primary_exit", status ? status->describe() : "still running"}};
    r.conclude(fmt::format(
        "kill->serving {:.0f} ms (exit seen {:.1f} ms, listening {:.1f} ms); {} ok, {} failed "
        "on survivors, {} lost with the killed worker; {}/{} workers; {} left after stop",
        serving_ms, noticed_ms, listening_ms, tally.ok, failed_on_survivors, lost_with_victim,
        live_children, context.workers, leftovers.size()));
  }
};

}  // namespace

std::unique_ptr<Check> make_respawn_check() {
  return std::make_unique<RespawnCheck>();
}

}  // namespace clab::harness
