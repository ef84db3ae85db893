// Check `hung-worker`: "a worker that stops answering is found and replaced".
//
// Twenty keep-alive connections load a two-worker native-cluster (--fault-routes) at full
// rate for 5 s, each request given 2 s; meanwhile one worker is hung by /hang (its loop
// blocks for ever, as an endless loop or a deadlock would). Naive (no heartbeat, PM2's
// default): the process stays up and every request it holds waits out the client's
// timeout, then the next connection can land on it again. Heartbeat (--heartbeat-timeout
// 1000), per listen policy: the worker is killed within the timeout and replaced, and no
// request waits for the client's timeout; the requests it held when killed are lost and
// counted. Figures: time from the hang to the kill and to the replacement, timeouts, errors.
#include <signal.h>

#include <fmt/format.h>

#include "background_load.hpp"
#include "checks/registry.hpp"
#include "elapsed.hpp"
#include "http_probe.hpp"
#include "policy_check.hpp"
#include "proc/process_table.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kHeartbeatTimeoutMs = 1000;
constexpr int kConnections = 20;
constexpr double kLoadSeconds = 5;
constexpr double kClientTimeoutSeconds = 2;

class HungWorkerCheck final : public Check {
 public:
  std::string name() const override { return "hung-worker"; }
  std::string claim() const override {
    return "a worker whose loop blocks for ever is killed and replaced within heartbeat_timeout "
           "(naive: it stays up, and its requests wait for the client's timeout)";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    std::vector<CheckResult> results;
    if (context.private_network) return results;
    results.push_back(timed([&] { return run_variant(context, RoundRobin, /*heartbeat=*/false); }));
    for (auto policy : context.policies)
      results.push_back(timed([&] { return run_variant(context, policy, /*heartbeat=*/true); }));
    return results;
  }

 private:
  static constexpr auto RoundRobin = cluster::ListenPolicy::RoundRobin;

  CheckResult run_variant(const CheckContext& context, cluster::ListenPolicy policy,
                          bool heartbeat) {
    CheckResult r{.check = name(),
                  .variant = heartbeat ? fmt::format("heartbeat/{}", to_string(policy)) : "naive"};
    std::vector<std::string> args = {"--fault-routes"};
    if (heartbeat)
      args.insert(args.end(), {"--heartbeat-timeout", std::to_string(kHeartbeatTimeoutMs)});
    auto cluster = start_cluster(r, {.bin_dir = context.bin_dir,
                                     .policy = policy,
                                     .workers = context.workers,
                                     .extra_args = args});
    if (!cluster) return r;

    BackgroundLoad load(cluster->port(), kConnections, kLoadSeconds, kClientTimeoutSeconds);
    const HungWorker hung = hang_a_worker(cluster->port());
    const auto hung_at = Clock::now();
    r.expect(hung.pid != 0, fmt::format("could not hang a worker: {}", hung.error));
    if (hung.pid == 0) {
      load.finish();
      return r;
    }
    auto about = [pid = hung.pid](const nlohmann::json& e) { return e["worker"]["pid"] == pid; };

    double detected_ms = -1, suspect_ms = -1, replaced_ms = -1;
    if (heartbeat) {
      if (cluster->wait_event("suspect", 5s, about)) suspect_ms = ms_since(hung_at);
      if (cluster->wait_event("hung", 5s, about)) detected_ms = ms_since(hung_at);
      if (cluster->wait_event("listening", 5s)) replaced_ms = ms_since(hung_at);
      r.expect(detected_ms >= 0, "the hung worker was not killed within 5 s");
      r.expect(replaced_ms >= 0, "no worker replaced the hung one within 5 s");
    }
    load.finish();
    const bool still_there = proc::process_info(hung.pid).has_value();
    const auto& stats = load.stats();
    const std::uint64_t lost = stats.errors + stats.timeouts;
    if (heartbeat) {
      r.expect(stats.timeouts == 0, fmt::format("{} requests waited for the client's {} s timeout",
                                                stats.timeouts, kClientTimeoutSeconds));
      r.expect(!still_there, fmt::format("the hung worker {} is still running", hung.pid));
    } else {
      r.expect(stats.timeouts > 0, "no request timed out: the naive pitfall did not show");
      r.expect(still_there, "the hung worker was not left running: the pitfall did not show");
    }
    r.expect(stats.responses > 0, "the load got no responses");
    const auto status = cluster->stop();
    r.expect(status.has_value(), "the primary did not exit within 10 s of SIGTERM");

    r.figures = {{"heartbeat_timeout_ms", heartbeat ? kHeartbeatTimeoutMs : 0},
                 {"hang_to_suspect_ms", suspect_ms},
                 {"hang_to_killed_ms", detected_ms},
                 {"hang_to_replacement_listening_ms", replaced_ms},
                 {"responses", stats.responses},
                 {"timeouts", stats.timeouts},
                 {"errors", stats.errors},
                 {"lost", lost},
                 {"hung_worker_still_running", still_there}};
    if (heartbeat) {
      r.conclude(fmt::format(
          "hung worker suspect after {:.0f} ms, killed after {:.0f} ms (timeout {} ms), replaced "
          "after {:.0f} ms; {} responses, {} lost with it ({} reset, {} timed out)",
          suspect_ms, detected_ms, kHeartbeatTimeoutMs, replaced_ms, stats.responses, lost,
          stats.errors, stats.timeouts));
    } else {
      r.conclude(fmt::format(
          "no heartbeat: after {:.0f} s the hung worker {}; {} requests waited for the client's "
          "{:.0f} s timeout, {} errors, {} responses",
          kLoadSeconds, still_there ? "still runs" : "is gone", stats.timeouts,
          kClientTimeoutSeconds, stats.errors, stats.responses));
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<Check> make_hung_worker_check() {
  return std::make_unique<HungWorkerCheck>();
}

}  // namespace clab::harness
