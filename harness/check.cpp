#include "check.hpp"

namespace clab::harness {

nlohmann::json CheckResult::to_json() const {
  nlohmann::json out = {{"check", check},     {"variant", variant}, {"passed", passed},
                        {"summary", summary}, {"figures", figures}, {"failures", failures},
                        {"seconds", seconds}};
  if (!note.empty()) out["note"] = note;
  return out;
}

}  // namespace clab::harness
