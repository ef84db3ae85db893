// PolicyCheck: a check that runs once per listen policy, each time on a fresh native-cluster
// with context.workers workers; a cluster that does not start fails that variant.
#pragma once

#include "check.hpp"
#include "cluster_under_test.hpp"

namespace clab::harness {

class PolicyCheck : public Check {
 public:
  std::vector<CheckResult> run(const CheckContext& context) final;

 protected:
  // Measures on a started, listening cluster and records figures and failures in `result`.
  virtual void run_on(ClusterUnderTest& cluster, const CheckContext& context,
                      CheckResult& result) = 0;
  // What the check does not cover yet, shown under the results table.
  virtual std::string note() const { return {}; }
};

}  // namespace clab::harness
