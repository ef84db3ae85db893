#include "policy_check.hpp"

#include <algorithm>

#include "private_network.hpp"

namespace clab::harness {

std::unique_ptr<ClusterUnderTest> start_cluster(CheckResult& result, const ClusterOptions& options,
                                                bool wait_for_workers) {
  auto cluster = ClusterUnderTest::start(options, std::chrono::seconds(15), wait_for_workers);
  if (cluster) return std::move(cluster.value());
  result.expect(false, "cluster did not start: " + cluster.error().message);
  return nullptr;
}

std::vector<CheckResult> PolicyCheck::run(const CheckContext& context) {
  std::vector<CheckResult> results;
  for (auto policy : context.policies) {
    results.push_back(timed([&] {
      CheckResult r{.check = name(), .variant = std::string(to_string(policy)), .note = note()};
      auto cluster = start_cluster(r, {.bin_dir = context.bin_dir,
                                       .policy = policy,
                                       .workers = context.workers,
                                       .extra_args = extra_args()});
      if (cluster) run_on(*cluster, context, r);
      return r;
    }));
  }
  const bool reuseport = std::ranges::count(context.policies, cluster::ListenPolicy::ReusePort) > 0;
  if (has_migration_variant() && reuseport && !context.private_network) {
    for (auto& r : run_with_migration(context, name(), "reuseport"))
      results.push_back(std::move(r));
  }
  return results;
}

}  // namespace clab::harness
