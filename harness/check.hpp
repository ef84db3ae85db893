// A harness check: one pitfall of pre-fork servers, what the lesson claims about it, and a
// run on real processes that measures whether the claim holds.
//
// A check runs once per variant (usually per listen policy) and returns one CheckResult
// per variant, with its figures. A result is failed until its check concludes it with a
// summary of what it measured; after that it passes unless an expectation failed (failures
// says which, in one line each). A variant that cannot run here is skipped and says why.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
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
  // Running inside a network namespace of its own with tcp_migrate_req on
  // (private_network.hpp): checks run only their reuseport migration variants.
  bool private_network = false;
};

struct CheckResult {
  std::string check;
  std::string variant;
  std::string summary;     // the figures in one readable line
  nlohmann::json figures;  // every figure, by name
  std::vector<std::string> failures;
  std::string note;  // what this check does not cover yet, if anything
  double seconds = 0;

  // Records a failed expectation unless `holds`.
  void expect(bool holds, const std::string& failure) {
    if (!holds) failures.push_back(failure);
  }
  bool concluded = false;  // set by conclude(): the check measured what it set out to
  bool skipped = false;    // set by skip(): the variant cannot run on this machine

  // The check measured what it set out to: `text` says what in one line.
  void conclude(std::string text) {
    summary = std::move(text);
    concluded = true;
  }
  // The variant cannot run on this machine; `why` says what is missing.
  void skip(const std::string& why) {
    summary = "skipped: " + why;
    skipped = true;
  }
  bool passed() const { return concluded && !skipped && failures.empty(); }
  bool failed() const { return !passed() && !skipped; }
  std::string_view outcome() const { return skipped ? "SKIP" : passed() ? "PASS" : "FAIL"; }

  nlohmann::json to_json() const;
  static CheckResult from_json(const nlohmann::json& json);
};

class Check {
 public:
  virtual ~Check() = default;
  virtual std::string name() const = 0;
  virtual std::string claim() const = 0;  // what the lesson says, in one line
  virtual std::vector<CheckResult> run(const CheckContext& context) = 0;
};

// Runs one variant and records how long it took in its result's `seconds`.
CheckResult timed(const std::function<CheckResult()>& variant);

// Every check, in the order `harness list` shows them.
std::vector<std::unique_ptr<Check>> all_checks();

}  // namespace clab::harness
