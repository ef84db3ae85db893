// SqliteCoordinator: the embedded backend, for the processes of one host sharing one file.
//
// WAL journal (readers never wait for the writer), synchronous=NORMAL (a process killed at
// any point loses nothing committed; power loss is not our fault model), a busy timeout on
// every statement, and each compound operation in one BEGIN IMMEDIATE transaction, so
// concurrent processes serialise on SQLite's write lock. Time is this host's clock.
// Invariant: db_ is open for the object's lifetime; one statement runs at a time (mutex_).
#pragma once

#include <sqlite3.h>

#include <functional>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "coord/coordinator.hpp"

namespace clab::coord {

class SqliteCoordinator final : public Coordinator {
 public:
  static Result<std::unique_ptr<SqliteCoordinator>> open(const std::string& path,
                                                         Millis busy_timeout);
  ~SqliteCoordinator() override;
  SqliteCoordinator(const SqliteCoordinator&) = delete;
  SqliteCoordinator& operator=(const SqliteCoordinator&) = delete;

  std::string describe() const override { return "sqlite:" + path_; }

  Result<std::optional<Lease>> try_acquire(const std::string& name, Millis ttl) override;
  Result<bool> release(const Lease& lease) override;
  Result<bool> renew(const Lease& lease, Millis ttl) override;
  Result<bool> write_if_fence_current(const std::string& resource, std::int64_t fence,
                                      const std::string& value) override;
  Status write_unfenced(const std::string& resource, std::int64_t fence,
                        const std::string& value) override;
  Result<std::optional<GuardedValue>> read(const std::string& resource) override;
  Result<std::vector<GuardedValue>> write_log(const std::string& resource) override;
  Result<bool> enqueue_unique(const std::string& queue, const std::string& job_id,
                              const std::string& payload) override;
  Result<std::optional<Job>> claim(const std::string& queue, Millis visibility) override;
  Result<bool> complete(const Job& job) override;
  Result<std::int64_t> incr(const std::string& counter) override;
  Status record_run(const RunRecord& run) override;
  Result<std::vector<RunRecord>> runs(const std::string& job) override;

 private:
  class Query;
  SqliteCoordinator(std::string path, sqlite3* db, Millis busy_timeout);

  Query query(std::string_view sql);
  Status exec(const char* sql);
  Error error(std::string_view what) const;
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
  Status transaction(std::string_view what, const std::function<Status()>& body);
  Result<std::int64_t> next_fence();
  // Appends an accepted write to the resource's log (inside the write's transaction).
  Status log_write(const std::string& resource, std::int64_t fence, const std::string& value);

  std::string path_;
  sqlite3* db_;
  Millis busy_timeout_;
  std::mutex mutex_;
  std::unordered_map<std::string_view, sqlite3_stmt*> statements_;  // prepared once
};

}  // namespace clab::coord
