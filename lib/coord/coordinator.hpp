// Coordinator: what processes that share no memory use to agree on something. One interface,
// two backends (SQLite on one host, Redis across hosts), one conformance suite for both.
//
//  - Locks are leases: granted for a TTL to one owner (a token unique to this Coordinator),
//    released or renewed only by that owner, taken over by anyone once expired. Every grant
//    carries a fencing token from one counter that only grows, so a store can refuse the
//    late write of a holder that paused past its TTL (write_if_fence_current).
//  - Queues accept a job id once (BullMQ's jobId dedup) and hand each job to one consumer at
//    a time; a claim not completed within its visibility timeout is handed out again.
//  - Every accepted write is also appended to the resource's write log, in the order the
//    store applied it: the ground truth a check counts duplicated or stale writes from.
//  - Counters are shared integers; run records are the scheduler's log of who ran what.
//
// Every call is bounded by the backend's timeout and returns an Error, never hangs, when the
// backend is down. Implementations are thread-safe (one connection, serialised).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace clab::coord {

using Millis = std::chrono::milliseconds;

struct Lease {
  std::string name;
  std::string owner;       // the token of the Coordinator that holds it
  std::int64_t fence = 0;  // grows with every grant of any lock or claim
};

struct GuardedValue {
  std::int64_t fence = 0;  // read(): the highest fence accepted; write_log(): the writer's
  std::string value;
};

struct Job {
  std::string queue;
  std::string id;
  std::string payload;
  std::string claim_token;  // names this claim; complete() needs it
  std::int64_t fence = 0;   // a fencing token for this claim, like a lease's
  int attempts = 0;         // 1 on the first claim, more after a visibility timeout
};

// One run of a scheduled job, as the scheduler records it.
struct RunRecord {
  std::string job;
  std::int64_t tick = 0;  // the scheduled instant, Unix seconds
  std::string strategy;
  std::string host;  // a name for the cluster (multi-host runs)
  int worker = 0;    // 0: the primary
  int instance = -1;
  pid_t pid = 0;
  std::int64_t fence = 0;  // 0 when the strategy has none
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;  // Unix milliseconds
  std::string outcome;        // "written", "refused-stale", ...
};

class Coordinator {
 public:
  virtual ~Coordinator() = default;

  // "sqlite:/path/file.db" or "redis://127.0.0.1:6379/0": what this talks to.
  virtual std::string describe() const = 0;
  const std::string& owner() const { return owner_; }

  // A lease on `name` for `ttl`, or nullopt while another owner holds an unexpired one.
  virtual Result<std::optional<Lease>> try_acquire(const std::string& name, Millis ttl) = 0;
  // True if the lease was still ours and is now released.
  virtual Result<bool> release(const Lease& lease) = 0;
  // True if the lease was still ours; it now expires `ttl` from now.
  virtual Result<bool> renew(const Lease& lease, Millis ttl) = 0;

  // Stores `value` unless a write with a higher fence was accepted before: true if stored.
  virtual Result<bool> write_if_fence_current(const std::string& resource, std::int64_t fence,
                                              const std::string& value) = 0;
  // Stores `value` whatever the fence (logged with the writer's `fence`, not checked): the
  // unguarded write fencing exists to prevent.
  virtual Status write_unfenced(const std::string& resource, std::int64_t fence,
                                const std::string& value) = 0;
  virtual Result<std::optional<GuardedValue>> read(const std::string& resource) = 0;
  // Every write accepted on `resource`, with its writer's fence, in the order applied.
  virtual Result<std::vector<GuardedValue>> write_log(const std::string& resource) = 0;

  // True if `job_id` was new to `queue` and is now queued; false if it was ever enqueued.
  virtual Result<bool> enqueue_unique(const std::string& queue, const std::string& job_id,
                                      const std::string& payload) = 0;
  // The oldest job nobody holds (queued, or claimed longer than its visibility ago).
  virtual Result<std::optional<Job>> claim(const std::string& queue, Millis visibility) = 0;
  // True if `job` was still claimed by this claim; it is then done for good.
  virtual Result<bool> complete(const Job& job) = 0;

  virtual Result<std::int64_t> incr(const std::string& counter) = 0;

  virtual Status record_run(const RunRecord& run) = 0;
  // Every run recorded for `job`, in the order they were recorded.
  virtual Result<std::vector<RunRecord>> runs(const std::string& job) = 0;

 protected:
  Coordinator();

 private:
  std::string owner_;
};

// Opens a backend named by a spec: "sqlite:PATH" or "redis://HOST:PORT[/DB]". A bad spec
// gets an error naming the value and the forms expected; an unreachable backend, the
// backend's own error.
Result<std::unique_ptr<Coordinator>> open_coordinator(const std::string& spec,
                                                      Millis timeout = Millis(2000));

// Unix time in milliseconds on this host's clock.
std::int64_t unix_ms();

}  // namespace clab::coord
