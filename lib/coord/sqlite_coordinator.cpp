#include "coord/sqlite_coordinator.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "coord/run_record_json.hpp"

namespace clab::coord {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS clab_fence(id INTEGER PRIMARY KEY CHECK (id = 1),
                                      value INTEGER NOT NULL);
INSERT OR IGNORE INTO clab_fence(id, value) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS clab_locks(name TEXT PRIMARY KEY, owner TEXT NOT NULL,
                                      fence INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS clab_locks_expiry ON clab_locks(expires_ms);
CREATE TABLE IF NOT EXISTS clab_guarded(resource TEXT PRIMARY KEY, fence INTEGER NOT NULL,
                                        value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clab_jobs(queue TEXT NOT NULL, id TEXT NOT NULL,
                                     payload TEXT NOT NULL, state TEXT NOT NULL,
                                     token TEXT NOT NULL, fence INTEGER NOT NULL,
                                     visible_at_ms INTEGER NOT NULL, attempts INTEGER NOT NULL,
                                     PRIMARY KEY (queue, id));
CREATE INDEX IF NOT EXISTS clab_jobs_open ON clab_jobs(queue, state);
CREATE TABLE IF NOT EXISTS clab_writes(resource TEXT NOT NULL, fence INTEGER NOT NULL,
                                       value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS clab_writes_resource ON clab_writes(resource);
CREATE TABLE IF NOT EXISTS clab_counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS clab_runs(job TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS clab_runs_job ON clab_runs(job);
PRAGMA user_version = 2;
)sql";
constexpr std::int64_t kSchemaVersion = 2;

// Expired per-tick locks are kept this long, then deleted by later acquisitions.
constexpr std::int64_t kExpiredLockRetentionMs = 10 * 60 * 1000;

}  // namespace

// One use of a prepared statement: bound, stepped, reset when done.
class SqliteCoordinator::Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  ~Query() {
    if (statement_ != nullptr) {
      sqlite3_reset(statement_);
      sqlite3_clear_bindings(statement_);
    }
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(std::int64_t value) {
    if (statement_ != nullptr) sqlite3_bind_int64(statement_, ++index_, value);
    return *this;
  }
  Query& bind(const std::string& value) {
    if (statement_ != nullptr)
      sqlite3_bind_text(statement_, ++index_, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT);
    return *this;
  }
  // True while there is a row to read; false when done; an Error from SQLite otherwise.
  Result<bool> step() {
    if (statement_ == nullptr) return Error{sqlite3_errmsg(db_)};
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Error{sqlite3_errmsg(db_), rc};
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string text(int column) const {
    const auto* text = sqlite3_column_text(statement_, column);
    return text == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(text),
                                         sqlite3_column_bytes(statement_, column));
  }
  int changes() const { return sqlite3_changes(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_;
  int index_ = 0;
};

Result<std::unique_ptr<SqliteCoordinator>> SqliteCoordinator::open(const std::string& path,
                                                                   Millis busy_timeout) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error{fmt::format("sqlite:{}: cannot open: {}", path,
                            db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close(db);
    return error;
  }
  // SQLite falls back to read-only, silently, on a file it cannot write; every claim and
  // every count would then fail at its first tick. Refuse it at start instead.
  if (sqlite3_db_readonly(db, "main") == 1) {
    sqlite3_close(db);
    return Error{
        fmt::format("sqlite:{}: the file is read-only for this user; the store must be "
                    "writable (runs and locks are written to it)",
                    path)};
  }
  std::unique_ptr<SqliteCoordinator> coordinator(new SqliteCoordinator(path, db, busy_timeout));
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  if (auto done = coordinator->exec("PRAGMA synchronous=NORMAL"); !done)
    return coordinator->error(done.error().message);
  // Creating the schema takes the write lock; a file that has it opens without, so a
  // process can start (and report errors per call) while another holds the lock.
  {
    auto version = coordinator->query("PRAGMA user_version");
    auto row = version.step();
    if (!row) return coordinator->error(row.error().message);
    if (version.integer(0) == kSchemaVersion) return coordinator;
  }
  for (const char* setup : {"PRAGMA journal_mode=WAL", kSchema}) {
    if (auto done = coordinator->exec(setup); !done)
      return coordinator->error("creating the schema: " + done.error().message);
  }
  return coordinator;
}

SqliteCoordinator::SqliteCoordinator(std::string path, sqlite3* db, Millis busy_timeout)
    : path_(std::move(path)), db_(db), busy_timeout_(busy_timeout) {}

SqliteCoordinator::~SqliteCoordinator() {
  for (auto& [sql, statement] : statements_)
    sqlite3_finalize(statement);
  sqlite3_close(db_);
}

SqliteCoordinator::Query SqliteCoordinator::query(std::string_view sql) {
  auto [it, inserted] = statements_.try_emplace(sql, nullptr);
  if (inserted && sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &it->second,
                                     nullptr) != SQLITE_OK) {
    statements_.erase(it);
    return Query(db_, nullptr);
  }
  return Query(db_, it->second);
}

Status SqliteCoordinator::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
  Error e{message != nullptr ? message : "failed", sqlite3_extended_errcode(db_)};
  sqlite3_free(message);
  return e;
}

Error SqliteCoordinator::error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  if ((code & 0xff) == SQLITE_BUSY)
    return Error{fmt::format("sqlite:{}: {} (still locked after the {} ms busy timeout)", path_,
                             what, busy_timeout_.count())};
  return Error{fmt::format("sqlite:{}: {}", path_, what)};
}

Status SqliteCoordinator::transaction(std::string_view what, const std::function<Status()>& body) {
  if (auto begun = exec("BEGIN IMMEDIATE"); !begun)
    return error(fmt::format("{}: {}", what, begun.error().message));
  if (auto done = body(); !done) {
    Error failed = error(fmt::format("{}: {}", what, done.error().message));
    (void)exec("ROLLBACK");
    return failed;
  }
  if (auto committed = exec("COMMIT"); !committed) {
    Error failed = error(fmt::format("{}: {}", what, committed.error().message));
    (void)exec("ROLLBACK");
    return failed;
  }
  return {};
}

Result<std::int64_t> SqliteCoordinator::next_fence() {
  auto q = query("UPDATE clab_fence SET value = value + 1 WHERE id = 1 RETURNING value");
  auto row = q.step();
  if (!row) return row.error();
  if (!row.value()) return Error{"the fence counter row is missing"};
  return q.integer(0);
}

Result<std::optional<Lease>> SqliteCoordinator::try_acquire(const std::string& name, Millis ttl) {
  std::lock_guard lock(mutex_);
  std::optional<Lease> lease;
  auto done = transaction("try_acquire " + name, [&]() -> Status {
    const std::int64_t now = unix_ms();
    {
      auto gc = query("DELETE FROM clab_locks WHERE expires_ms < ?");
      if (auto r = gc.bind(now - kExpiredLockRetentionMs).step(); !r) return r.error();
    }
    {
      auto held = query("SELECT expires_ms FROM clab_locks WHERE name = ?");
      auto row = held.bind(name).step();
      if (!row) return row.error();
      if (row.value() && held.integer(0) > now) return {};
    }
    auto fence = next_fence();
    if (!fence) return fence.error();
    auto grant = query(
        "INSERT INTO clab_locks(name, owner, fence, expires_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, fence = excluded.fence, "
        "expires_ms = excluded.expires_ms");
    if (auto r = grant.bind(name).bind(owner()).bind(fence.value()).bind(now + ttl.count()).step();
        !r)
      return r.error();
    lease = Lease{name, owner(), fence.value()};
    return {};
  });
  if (!done) return done.error();
  return lease;
}

Result<bool> SqliteCoordinator::release(const Lease& lease) {
  std::lock_guard lock(mutex_);
  auto q =
      query("DELETE FROM clab_locks WHERE name = ? AND owner = ? AND fence = ? AND expires_ms > ?");
  if (auto r = q.bind(lease.name).bind(lease.owner).bind(lease.fence).bind(unix_ms()).step(); !r)
    return error("release " + lease.name + ": " + r.error().message);
  return q.changes() == 1;
}

Result<bool> SqliteCoordinator::renew(const Lease& lease, Millis ttl) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = unix_ms();
  auto q = query(
      "UPDATE clab_locks SET expires_ms = ? "
      "WHERE name = ? AND owner = ? AND fence = ? AND expires_ms > ?");
  if (auto r = q.bind(now + ttl.count())
                   .bind(lease.name)
                   .bind(lease.owner)
                   .bind(lease.fence)
                   .bind(now)
                   .step();
      !r)
    return error("renew " + lease.name + ": " + r.error().message);
  return q.changes() == 1;
}

Result<bool> SqliteCoordinator::write_if_fence_current(const std::string& resource,
                                                       std::int64_t fence,
                                                       const std::string& value) {
  std::lock_guard lock(mutex_);
  bool accepted = false;
  auto done = transaction("write " + resource, [&]() -> Status {
    {
      auto q = query(
          "INSERT INTO clab_guarded(resource, fence, value) VALUES (?, ?, ?) "
          "ON CONFLICT(resource) DO UPDATE SET fence = excluded.fence, value = excluded.value "
          "WHERE excluded.fence >= clab_guarded.fence");
      if (auto r = q.bind(resource).bind(fence).bind(value).step(); !r) return r.error();
      accepted = q.changes() == 1;
    }
    return accepted ? log_write(resource, fence, value) : Status();
  });
  if (!done) return done.error();
  return accepted;
}

Status SqliteCoordinator::write_unfenced(const std::string& resource, std::int64_t fence,
                                         const std::string& value) {
  std::lock_guard lock(mutex_);
  return transaction("write " + resource, [&]() -> Status {
    {
      auto q = query(
          "INSERT INTO clab_guarded(resource, fence, value) VALUES (?, 0, ?) "
          "ON CONFLICT(resource) DO UPDATE SET value = excluded.value");
      if (auto r = q.bind(resource).bind(value).step(); !r) return r.error();
    }
    return log_write(resource, fence, value);
  });
}

Status SqliteCoordinator::log_write(const std::string& resource, std::int64_t fence,
                                    const std::string& value) {
  auto q = query("INSERT INTO clab_writes(resource, fence, value) VALUES (?, ?, ?)");
  if (auto r = q.bind(resource).bind(fence).bind(value).step(); !r) return r.error();
  return {};
}

Result<std::vector<GuardedValue>> SqliteCoordinator::write_log(const std::string& resource) {
  std::lock_guard lock(mutex_);
  auto q = query("SELECT fence, value FROM clab_writes WHERE resource = ? ORDER BY rowid");
  q.bind(resource);
  std::vector<GuardedValue> writes;
  while (true) {
    auto row = q.step();
    if (!row) return error("write log of " + resource + ": " + row.error().message);
    if (!row.value()) break;
    writes.push_back({q.integer(0), q.text(1)});
  }
  return writes;
}

Result<std::optional<GuardedValue>> SqliteCoordinator::read(const std::string& resource) {
  std::lock_guard lock(mutex_);
  auto q = query("SELECT fence, value FROM clab_guarded WHERE resource = ?");
  auto row = q.bind(resource).step();
  if (!row) return error("read " + resource + ": " + row.error().message);
  if (!row.value()) return std::optional<GuardedValue>();
  return std::optional<GuardedValue>(GuardedValue{q.integer(0), q.text(1)});
}

Result<bool> SqliteCoordinator::enqueue_unique(const std::string& queue, const std::string& job_id,
                                               const std::string& payload) {
  std::lock_guard lock(mutex_);
  auto q = query(
      "INSERT OR IGNORE INTO clab_jobs(queue, id, payload, state, token, fence, visible_at_ms, "
      "attempts) VALUES (?, ?, ?, 'queued', '', 0, 0, 0)");
  if (auto r = q.bind(queue).bind(job_id).bind(payload).step(); !r)
    return error("enqueue " + queue + "/" + job_id + ": " + r.error().message);
  return q.changes() == 1;
}

Result<std::optional<Job>> SqliteCoordinator::claim(const std::string& queue, Millis visibility) {
  std::lock_guard lock(mutex_);
  std::optional<Job> job;
  auto done = transaction("claim from " + queue, [&]() -> Status {
    const std::int64_t now = unix_ms();
    Job next{queue};
    std::int64_t rowid = 0;
    {
      auto pick = query(
          "SELECT rowid, id, payload, attempts FROM clab_jobs WHERE queue = ? AND "
          "(state = 'queued' OR (state = 'claimed' AND visible_at_ms <= ?)) "
          "ORDER BY rowid LIMIT 1");
      auto row = pick.bind(queue).bind(now).step();
      if (!row) return row.error();
      if (!row.value()) return {};
      rowid = pick.integer(0);
      next.id = pick.text(1);
      next.payload = pick.text(2);
      next.attempts = static_cast<int>(pick.integer(3)) + 1;
    }
    auto fence = next_fence();
    if (!fence) return fence.error();
    next.fence = fence.value();
    next.claim_token = fmt::format("{}:{}", owner(), next.fence);
    auto take = query(
        "UPDATE clab_jobs SET state = 'claimed', token = ?, fence = ?, visible_at_ms = ?, "
        "attempts = ? WHERE rowid = ?");
    if (auto r = take.bind(next.claim_token)
                     .bind(next.fence)
                     .bind(now + visibility.count())
                     .bind(next.attempts)
                     .bind(rowid)
                     .step();
        !r)
      return r.error();
    job = std::move(next);
    return {};
  });
  if (!done) return done.error();
  return job;
}

Result<bool> SqliteCoordinator::complete(const Job& job) {
  std::lock_guard lock(mutex_);
  auto q = query(
      "UPDATE clab_jobs SET state = 'done' "
      "WHERE queue = ? AND id = ? AND token = ? AND state = 'claimed'");
  if (auto r = q.bind(job.queue).bind(job.id).bind(job.claim_token).step(); !r)
    return error("complete " + job.queue + "/" + job.id + ": " + r.error().message);
  return q.changes() == 1;
}

Result<std::int64_t> SqliteCoordinator::incr(const std::string& counter) {
  std::lock_guard lock(mutex_);
  auto q = query(
      "INSERT INTO clab_counters(name, value) VALUES (?, 1) "
      "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value");
  auto row = q.bind(counter).step();
  if (!row) return error("incr " + counter + ": " + row.error().message);
  return q.integer(0);
}

Status SqliteCoordinator::record_run(const RunRecord& run) {
  std::lock_guard lock(mutex_);
  auto q = query("INSERT INTO clab_runs(job, record) VALUES (?, ?)");
  if (auto r = q.bind(run.job).bind(nlohmann::json(run).dump()).step(); !r)
    return error("record run of " + run.job + ": " + r.error().message);
  return {};
}

Result<std::vector<RunRecord>> SqliteCoordinator::runs(const std::string& job) {
  std::lock_guard lock(mutex_);
  auto q = query("SELECT record FROM clab_runs WHERE job = ? ORDER BY rowid");
  q.bind(job);
  std::vector<RunRecord> records;
  while (true) {
    auto row = q.step();
    if (!row) return error("runs of " + job + ": " + row.error().message);
    if (!row.value()) break;
    records.push_back(nlohmann::json::parse(q.text(0)).get<RunRecord>());
  }
  return records;
}

}  // namespace clab::coord
