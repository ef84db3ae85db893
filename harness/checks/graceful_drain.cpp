// Check `graceful-drain`: "on SIGTERM a server finishes what it started".
//
// A cluster of two graceful-shutdown workers (round-robin) serves 20 requests to
// /sleep?ms=500 plus a light keep-alive load; once the 20 are in flight the primary gets
// SIGTERM. Fixed: all 20 get 200, a connection opened after the drain began is not served,
// every worker exits by itself within its drain deadline, and the access-log hook wrote the
// 20 requests to its file. Naive (--naive): the workers exit at once; the check counts the
// requests lost and notes the hook never ran.
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "checks/registry.hpp"
#include "drain_under_load.hpp"
#include "http_probe.hpp"
#include "lifecycle_probe.hpp"
#include "policy_check.hpp"
#include "private_network.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

constexpr int kInFlight = 20;
constexpr int kDrainTimeoutMs = 3000;

std::size_t lines_containing(const std::string& path, const std::string& text) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    n += line.find(text) != std::string::npos;
  return n;
}

class GracefulDrainCheck final : public Check {
 public:
  std::string name() const override { return "graceful-drain"; }
  std::string claim() const override {
    return "SIGTERM lets requests in flight finish and the shutdown hooks run (naive: lost)";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    std::vector<CheckResult> results;
    if (!context.private_network) {
      results.push_back(timed([&] { return run_variant(context, /*naive=*/true); }));
      results.push_back(timed([&] { return run_variant(context, /*naive=*/false); }));
    }
    for (auto policy : context.policies)
      results.push_back(timed([&] { return full_load(context, policy); }));
    if (!context.private_network && std::ranges::count(context.policies, ReusePort) > 0) {
      for (auto& r : run_with_migration(context, name(), full_load_variant(ReusePort)))
        results.push_back(std::move(r));
    }
    return results;
  }

 private:
  static constexpr auto ReusePort = cluster::ListenPolicy::ReusePort;
  static constexpr int kTries = 20;
  static constexpr int kConnections = 100;

  static std::string full_load_variant(cluster::ListenPolicy policy) {
    return fmt::format("full load, {}", to_string(policy));
  }

  CheckResult full_load(const CheckContext& context, cluster::ListenPolicy policy) {
    CheckResult r{.check = name(), .variant = full_load_variant(policy)};
    const DrainTries tries = drain_under_load(context, policy, kTries, kConnections, r);
    const bool migrated = context.private_network && tcp_migrate_req_enabled();
    // Reuseport without migration loses its accept queue now and then: measured, not
    // expected (the pitfall lesson 6 shows).
    if (policy != ReusePort || migrated) {
      r.expect(tries.failed() == 0,
               fmt::format("{} requests failed in {} of {} tries", tries.failed(),
                           tries.tries_with_failures(), tries.tries));
    }
    r.figures = {{"tries", tries.tries},
                 {"connections", kConnections},
                 {"failed", tries.failed()},
                 {"tries_with_failures", tries.tries_with_failures()},
                 {"failed_per_try", tries.failed_per_try},
                 {"responses", tries.responses},
                 {"tcp_migrate_req", migrated}};
    if (tries.tries == kTries) {
      r.conclude(
          fmt::format("{} failed of {} requests in {} tries ({} with a failure); a "
                      "SIGTERM to one worker in each, under {} keep-alive connections",
                      tries.failed(), tries.responses + tries.failed(), tries.tries,
                      tries.tries_with_failures(), kConnections));
    }
    return r;
  }

  CheckResult run_variant(const CheckContext& context, bool naive) {
    CheckResult r{.check = name(), .variant = naive ? "naive" : "fixed"};
    const std::string access_log = scratch_file("clusterlab-access");
    std::vector<std::string> args = {"--access-log",    access_log,
                                     "--drain-timeout", std::to_string(kDrainTimeoutMs),
                                     "--kill-timeout",  "5000"};
    if (naive) args.push_back("--naive");
    auto started = start_cluster(r, {.bin_dir = context.bin_dir,
                                     .program = "graceful-shutdown",
                                     .workers = 2,
                                     .extra_args = args});
    if (!started) return r;
    auto& cluster = *started;
    LightLoad keep_alive(cluster.port(), "/", 2, 50);
    std::atomic<int> ok{0};
    std::vector<std::thread> sleepers;
    for (int i = 0; i < kInFlight; ++i) {
      sleepers.emplace_back([&] { ok += fetch(cluster.port(), "/sleep?ms=500").status == 200; });
    }
    r.expect(wait_for_requests_in_flight(cluster.port(), 2, kInFlight, 5s),
             "the 20 requests were not all in flight within 5 s");
    cluster.process().signal(SIGTERM);
    const bool drain_began = cluster.wait_event("stopping", 5s).has_value();
    const Reply late = fetch(cluster.port(), "/");  // a new connection after the drain began
    for (auto& t : sleepers)
      t.join();
    const auto status = cluster.process().wait(15s);
    keep_alive.stop();

    std::int64_t slowest_stop_ms = 0;
    bool any_killed = false;
    for (const auto& e : events_so_far(cluster, "exit")) {
      slowest_stop_ms = std::max<std::int64_t>(slowest_stop_ms, e.value("stop_ms", 0));
      any_killed |= e.value("killed_by_primary", false);
    }
    const std::size_t logged = lines_containing(access_log, "/sleep?ms=500");
    const int lost = kInFlight - ok.load();
    r.expect(drain_began && status.has_value(), "the cluster did not stop within 15 s of SIGTERM");
    if (naive) {
      r.expect(lost > 0, "no request was lost: the naive pitfall did not show");
    } else {
      r.expect(lost == 0, fmt::format("{} of {} requests in flight were lost", lost, kInFlight));
      r.expect(late.status != 200, "a connection opened after the drain began was served");
      r.expect(!any_killed && slowest_stop_ms < kDrainTimeoutMs,
               fmt::format("a worker took {} ms or was killed (drain deadline {} ms)",
                           slowest_stop_ms, kDrainTimeoutMs));
      r.expect(logged == kInFlight,
               fmt::format("the access-log hook wrote {} of the {} requests", logged, kInFlight));
    }
    const auto load = keep_alive.tally();
    r.figures = {{"in_flight_at_sigterm", kInFlight},
                 {"answered_200", ok.load()},
                 {"lost", lost},
                 {"new_connection_after_drain_served", late.status == 200},
                 {"slowest_worker_stop_ms", slowest_stop_ms},
                 {"worker_killed", any_killed},
                 {"hook_logged_requests", logged},
                 {"keep_alive_ok", load.ok},
                 {"primary_exit", status ? status->describe() : "still running"}};
    r.conclude(
        naive ? fmt::format("{} of {} requests in flight lost; access-log hook wrote {} lines",
                            lost, kInFlight, logged)
              : fmt::format("{} of {} answered; slowest worker stopped in {} ms; new connection "
                            "after the drain {}; hook wrote {} lines",
                            ok.load(), kInFlight, slowest_stop_ms,
                            late.status == 200 ? "served" : "refused", logged));
    std::remove(access_log.c_str());
    return r;
  }
};

}  // namespace

std::unique_ptr<Check> make_graceful_drain_check() {
  return std::make_unique<GracefulDrainCheck>();
}

}  // namespace clab::harness
