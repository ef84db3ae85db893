// PolicyCheck: a check that runs once per listen policy, each time on a fresh native-cluster
// with context.workers workers; a cluster that does not start fails that variant.
// start_cluster() does the same for checks that start their own clusters.
#pragma once

#include "check.hpp"
#include "testkit/cluster_under_test.hpp"

namespace clab::harness {

using testkit::ClusterOptions;
using testkit::ClusterUnderTest;

// Starts a cluster for a check; when it does not start, records that in `result` and
// returns nullptr.
std::unique_ptr<ClusterUnderTest> start_cluster(CheckResult& result, const ClusterOptions& options,
                                                bool wait_for_workers = true);

class PolicyCheck : public Check {
 public:
  std::vector<CheckResult> run(const CheckContext& context) override;

 protected:
  // Measures on a started, listening cluster and records figures and failures in `result`.
  virtual void run_on(ClusterUnderTest& cluster, const CheckContext& context,
                      CheckResult& result) = 0;
  // Flags the check's clusters get besides the policy and worker count.
  virtual std::vector<std::string> extra_args() const { return {}; }
  // What the check does not cover yet, shown under the results table.
  virtual std::string note() const { return {}; }
  // True for a check whose reuseport variant also runs with tcp_migrate_req on, in a
  // network namespace of its own (private_network.hpp).
  virtual bool has_migration_variant() const { return false; }
};

}  // namespace clab::harness
