#include "sched/strategy.hpp"

#include <fmt/format.h>

namespace clab::sched {

Result<Strategy> parse_strategy(std::string_view text) {
  for (const Strategy s : kAllStrategies) {
    if (to_string(s) == text) return s;
  }
  return Error{fmt::format(
      "strategy '{}': expected every-worker, primary-only, instance-zero, lock or queue", text)};
}

std::string_view to_string(Strategy strategy) {
  switch (strategy) {
    case Strategy::EveryWorker:
      return "every-worker";
    case Strategy::PrimaryOnly:
      return "primary-only";
    case Strategy::InstanceZero:
      return "instance-zero";
    case Strategy::Lock:
      return "lock";
    case Strategy::Queue:
      return "queue";
  }
  return "?";
}

bool fires_here(Strategy strategy, const ProcessRole& role) {
  switch (strategy) {
    case Strategy::PrimaryOnly:
      return role.primary;
    case Strategy::InstanceZero:
      return !role.primary && role.instance == 0;
    case Strategy::EveryWorker:
    case Strategy::Lock:
    case Strategy::Queue:
      return !role.primary;
  }
  return false;
}

}  // namespace clab::sched
