#include "check.hpp"

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

}  // namespace clab::harness
