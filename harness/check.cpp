#include "check.hpp"

#include <chrono>

namespace clab::harness {

nlohmann::json CheckResult::to_json() const {
  nlohmann::json out = {{"check", check},       {"variant", variant}, {"passed", passed()},
                        {"skipped", skipped},   {"summary", summary}, {"figures", figures},
                        {"failures", failures}, {"seconds", seconds}};
  if (!note.empty()) out["note"] = note;
  return out;
}

CheckResult CheckResult::from_json(const nlohmann::json& json) {
  CheckResult r{.check = json.value("check", ""),
                .variant = json.value("variant", ""),
                .figures = json.value("figures", nlohmann::json::object()),
                .failures = json.value("failures", std::vector<std::string>{}),
                .note = json.value("note", ""),
                .seconds = json.value("seconds", 0.0)};
  r.summary = json.value("summary", "");
  r.skipped = json.value("skipped", false);
  r.concluded = json.value("passed", false) || !r.failures.empty();
  return r;
}

CheckResult timed(const std::function<CheckResult()>& variant) {
  const auto started = std::chrono::steady_clock::now();
  CheckResult result = variant();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace clab::harness
