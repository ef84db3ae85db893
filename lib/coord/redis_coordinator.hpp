// RedisCoordinator: the backend for processes on several hosts, over hiredis.
//
// Every compound operation is one Lua script, so it is atomic on the server; time is the
// server's clock (TIME, PX), so hosts need not agree on theirs. Keys live under "clab:".
// Every call has the connect/command timeout; after an I/O error the connection is
// dropped and the next call reconnects. Invariant: context_ is null or usable; one command
// runs at a time (mutex_).
#pragma once

#include <mutex>
#include <unordered_map>

#include "coord/coordinator.hpp"

struct redisContext;
struct redisReply;

namespace clab::coord {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
};

class RedisCoordinator final : public Coordinator {
 public:
  static Result<std::unique_ptr<RedisCoordinator>> open(const RedisAddress& address,
                                                        Millis timeout);
  ~RedisCoordinator() override;
  RedisCoordinator(const RedisCoordinator&) = delete;
  RedisCoordinator& operator=(const RedisCoordinator&) = delete;

  std::string describe() const override;

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

  // FLUSHALL: every key of every database gone (tests start from a clean slate).
  Status flush_all();

 private:
  struct ReplyDeleter {
    void operator()(redisReply* reply) const;
  };
  using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

  RedisCoordinator(RedisAddress address, Millis timeout);
  Status connect();
  // Sends one command; an error reply or a broken connection becomes an Error naming `what`.
  Result<Reply> command(std::string_view what, const std::vector<std::string>& args);
  // Runs a script by its SHA (loading it once, and again after a server restart).
  Result<Reply> eval(std::string_view what, const char* script,
                     const std::vector<std::string>& keys, const std::vector<std::string>& args);

  RedisAddress address_;
  Millis timeout_;
  std::mutex mutex_;
  redisContext* context_ = nullptr;
  std::unordered_map<const char*, std::string> script_sha_;  // SCRIPT LOAD'ed, by script
};

}  // namespace clab::coord
