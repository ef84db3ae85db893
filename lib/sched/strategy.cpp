#include "sched/strategy.hpp"

#include <fmt/format.h>

namespace clab::sched {

Result<Strategy> parse_strategy(std::string_view text) {
  for (const Strategy s : kAllStrategies) {
    if (to_string(s) == text) return s;
  }
  return Error{
      fmt::format("strategy '{}': expected every-worker, primary-only, instance-zero, lock, queue, "
                  "lock-released or queue-id-now",
                  text)};
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
    case Strategy::LockReleased:
      return "lock-released";
    case Strategy::QueueIdNow:
      return "queue-id-now";
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
    case Strategy::LockReleased:
    case Strategy::QueueIdNow:
      return !role.primary;
  }
  return false;
}

bool duplicates_ticks(Strategy strategy) {
  return strategy == Strategy::EveryWorker || strategy == Strategy::LockReleased ||
         strategy == Strategy::QueueIdNow;
}

}  // namespace clab::sched
