#include "policy_check.hpp"

namespace clab::harness {

std::vector<CheckResult> PolicyCheck::run(const CheckContext& context) {
  std::vector<CheckResult> results;
  for (auto policy : context.policies) {
    CheckResult r{.check = name(), .variant = std::string(to_string(policy)), .note = note()};
    auto cluster = ClusterUnderTest::start(
        {.bin_dir = context.bin_dir, .policy = policy, .workers = context.workers});
    if (cluster) {
      run_on(*cluster.value(), context, r);
    } else {
      r.expect(false, "cluster did not start: " + cluster.error().message);
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace clab::harness
