// How a cluster keeps a scheduled job from running once per worker. Each strategy says
// which processes fire a tick and how they agree that only one of them runs it:
//
//   every-worker   every worker fires every tick: the pitfall, N runs per tick
//   primary-only   only the primary fires: once, but gone when the primary dies
//   instance-zero  only the worker in slot 0 (PM2's NODE_APP_INSTANCE === 0 trick):
//                  once, but nothing while that worker is down
//   lock           every worker fires; a lease named job@tick lets one of them run it
//   queue          every worker enqueues job@tick (accepted once); one consumer claims it
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace clab::sched {

enum class Strategy { EveryWorker, PrimaryOnly, InstanceZero, Lock, Queue };

// An error names the value and the strategies allowed.
Result<Strategy> parse_strategy(std::string_view text);
std::string_view to_string(Strategy strategy);
// Every strategy, in the order above.
inline constexpr Strategy kAllStrategies[] = {Strategy::EveryWorker, Strategy::PrimaryOnly,
                                              Strategy::InstanceZero, Strategy::Lock,
                                              Strategy::Queue};

// Which process this is in the cluster.
struct ProcessRole {
  bool primary = false;
  int worker = 0;     // worker id; 0 in the primary
  int instance = -1;  // slot 0..N-1; -1 in the primary
  pid_t pid = 0;
  std::string host;  // a name for the cluster, for runs across hosts
};

// Whether `role` fires ticks under `strategy`.
bool fires_here(Strategy strategy, const ProcessRole& role);

}  // namespace clab::sched
