#include "drain_under_load.hpp"

#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <thread>

#include "load/load_engine.hpp"
#include "policy_check.hpp"
#include "testkit/cluster_under_test.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Waits until slot `instance` has a listening worker other than `other_than` (0: any).
std::optional<pid_t> wait_for_worker_in_slot(const ClusterUnderTest& cluster, int instance,
                                             pid_t other_than, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (auto pid = cluster.worker_in_slot(instance); pid && *pid != other_than) return pid;
    std::this_thread::sleep_for(5ms);
  }
  return std::nullopt;
}

std::uint64_t failed_requests(const load::LoadStats& s) {
  return s.errors + s.connect_errors + s.timeouts + s.unanswered_at_end + s.non_2xx;
}

}  // namespace

std::uint64_t DrainTries::failed() const {
  return std::accumulate(failed_per_try.begin(), failed_per_try.end(), std::uint64_t{0});
}

int DrainTries::tries_with_failures() const {
  return static_cast<int>(
      std::count_if(failed_per_try.begin(), failed_per_try.end(), [](auto n) { return n > 0; }));
}

DrainTries drain_under_load(const CheckContext& context, cluster::ListenPolicy policy, int tries,
                            int connections, CheckResult& result) {
  DrainTries out;
  auto cluster = start_cluster(
      result, {.bin_dir = context.bin_dir, .policy = policy, .workers = context.workers});
  if (!cluster) return out;
  std::mt19937 random(std::random_device{}());
  // The SIGTERM lands anywhere in the first 80% of the measured second.
  std::uniform_int_distribution<int> moment_ms(0, 800);
  for (int t = 0; t < tries; ++t) {
    const int slot = t % context.workers;
    const auto victim = wait_for_worker_in_slot(*cluster, slot, 0, 10s);
    if (!victim) {
      result.expect(false, fmt::format("try {}: slot {} had no listening worker", t + 1, slot));
      return out;
    }
    load::LoadOptions options;
    options.target = load::parse_url(fmt::format("http://127.0.0.1:{}/", cluster->port())).value();
    options.connections = connections;
    options.duration_s = 1;
    options.timeout_s = 5;
    load::LoadProgress progress(1);
    Result<load::LoadResult> run = Error{"not run"};
    std::thread load_thread([&] { run = load::run_load(options, &progress); });
    const auto deadline = Clock::now() + 10s;
    while (progress.responses() == 0 && Clock::now() < deadline)
      std::this_thread::sleep_for(1ms);  // every connection is open and busy from here on
    std::this_thread::sleep_for(std::chrono::milliseconds(moment_ms(random)));
    ::kill(*victim, SIGTERM);
    load_thread.join();
    if (!run) {
      result.expect(false,
                    fmt::format("try {}: the load did not run: {}", t + 1, run.error().message));
      return out;
    }
    out.failed_per_try.push_back(failed_requests(run.value().stats));
    out.responses += run.value().stats.responses;
    ++out.tries;
    if (!wait_for_worker_in_slot(*cluster, slot, *victim, 10s)) {
      result.expect(false,
                    fmt::format("try {}: worker {} was not replaced within 10 s", t + 1, *victim));
      return out;
    }
  }
  return out;
}

}  // namespace clab::harness
