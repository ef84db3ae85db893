// A harness check: one pitfall of pre-fork servers, what the lesson claims about it, and a
// run on real processes that measures whether the claim holds.
//
// A check runs once per variant (usually per listen policy) and returns one CheckResult
// per variant, with its figures; passed is false when any expectation failed, and failures
// says which, in one line each.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/listen_policy.hpp"

namespace clab::harness {

struct CheckContext {
  std::string bin_dir;  // where native-cluster and the other programs are
  std::vector<cluster::ListenPolicy> policies = {cluster::ListenPolicy::RoundRobin,
                                                 cluster::ListenPolicy::Shared,
                                                 cluster::ListenPolicy::ReusePort};
  int workers = 2;
  bool verbose = false;  // progress lines on stderr
};

struct CheckResult {
  std::string check;
  std::string variant;
  bool passed = true;
  std::string summary;     // the figures in one readable line
  nlohmann::json figures;  // every figure, by name
  std::vector<std::string> failures;
  std::string note;  // what this check does not cover yet, if anything
  double seconds = 0;

  // Records a failed expectation unless `holds`.
  void expect(bool holds, const std::string& failure) {
    if (holds) return;
    passed = false;
    failures.push_back(failure);
  }
  nlohmann::json to_json() const;
};

class Check {
 public:
  virtual ~Check() = default;
  virtual std::string name() const = 0;
  virtual std::string claim() const = 0;  // what the lesson says, in one line
  virtual std::vector<CheckResult> run(const CheckContext& context) = 0;
};

// Every check, in the order `harness list` shows them.
std::vector<std::unique_ptr<Check>> all_checks();

}  // namespace clab::harness
