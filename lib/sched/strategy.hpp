// How a cluster keeps a scheduled job from running once per worker. Each strategy says
// which processes fire a tick and how they agree that only one of them runs it:
//
//   every-worker   every worker fires every tick: the pitfall, N runs per tick
//   primary-only   only the primary fires: once, but gone when the primary dies
//   instance-zero  only the worker in slot 0 (PM2's NODE_APP_INSTANCE === 0 trick):
//                  once, but nothing while that worker is down
//   lock           every worker fires; a lease named job@tick lets one of them run it
//   queue          every worker enqueues job@tick (accepted once); one consumer claims it
//
// And the two fixes as the Node lesson writes them, each with a bug of its own:
//   lock-released  one lock named for the job, released right after the run (`finally`):
//                  a worker whose timer fires after the first run ended (clock skew, a
//                  busy event loop) takes the freed lock and runs the same tick again
//   queue-id-now   the job id is the time now (`jobId: hourly-${Date.now()}`): each
//                  worker's timer fires a few ms apart, so every id differs and the queue
//                  accepts them all
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace clab::sched {

enum class Strategy {
  EveryWorker,
  PrimaryOnly,
  InstanceZero,
  Lock,
  Queue,
  LockReleased,
  QueueIdNow
};

// An error names the value and the strategies allowed.
Result<Strategy> parse_strategy(std::string_view text);
std::string_view to_string(Strategy strategy);
// Every strategy, in the order above.
inline constexpr Strategy kAllStrategies[] = {
    Strategy::EveryWorker, Strategy::PrimaryOnly,  Strategy::InstanceZero, Strategy::Lock,
    Strategy::Queue,       Strategy::LockReleased, Strategy::QueueIdNow};
// The strategies that let a tick run more than once: every-worker and the seed's two.
bool duplicates_ticks(Strategy strategy);

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
