#include "coord/redis_coordinator.hpp"

#include <hiredis/hiredis.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "coord/run_record_json.hpp"

namespace clab::coord {
namespace {

constexpr const char* kFenceKey = "clab:fence";

// KEYS: lock, fence counter. ARGV: owner, ttl ms. Returns the fence, or nil while held.
constexpr const char* kAcquire = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return fence
)lua";

// KEYS: lock. ARGV: owner|fence. Compare-and-delete: only the holder releases.
constexpr const char* kRelease = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// KEYS: lock. ARGV: owner|fence, ttl ms.
constexpr const char* kRenew = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

// KEYS: resource hash, its write log. ARGV: fence, value. Refuses a fence lower than the
// highest accepted.
constexpr const char* kGuardedWrite = R"lua(
local current = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if tonumber(ARGV[1]) < current then return 0 end
redis.call('HSET', KEYS[1], 'fence', ARGV[1], 'value', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[1] .. ':' .. ARGV[2])
return 1
)lua";

// KEYS: resource hash, its write log. ARGV: the writer's fence (logged only), value.
constexpr const char* kUnfencedWrite = R"lua(
redis.call('HSETNX', KEYS[1], 'fence', 0)
redis.call('HSET', KEYS[1], 'value', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[1] .. ':' .. ARGV[2])
return 1
)lua";

// KEYS: payloads hash (every id ever enqueued), ready list. ARGV: id, payload.
constexpr const char* kEnqueue = R"lua(
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
)lua";

// KEYS: payloads, ready, claimed (zset by deadline), tokens, attempts, fence counter.
// ARGV: owner, visibility ms. A claim past its deadline is handed out before new jobs.
constexpr const char* kClaim = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1)
if #expired > 0 then id = expired[1] else id = redis.call('LPOP', KEYS[2]) end
if not id then return false end
local fence = redis.call('INCR', KEYS[6])
local token = ARGV[1] .. ':' .. fence
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), id)
redis.call('HSET', KEYS[4], id, token)
local attempts = redis.call('HINCRBY', KEYS[5], id, 1)
return {id, redis.call('HGET', KEYS[1], id), fence, attempts, token}
)lua";

// KEYS: claimed, tokens. ARGV: id, token. Only the current claim completes.
constexpr const char* kComplete = R"lua(
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
)lua";

std::string lock_key(const std::string& name) {
  return "clab:lock:" + name;
}
std::string lock_value(const Lease& lease) {
  return fmt::format("{}|{}", lease.owner, lease.fence);
}
std::string guarded_key(const std::string& resource) {
  return "clab:guarded:" + resource;
}
std::string write_log_key(const std::string& resource) {
  return "clab:writes:" + resource;
}
std::string queue_key(const std::string& queue, const char* part) {
  return fmt::format("clab:queue:{}:{}", queue, part);
}

timeval to_timeval(Millis timeout) {
  return timeval{static_cast<time_t>(timeout.count() / 1000),
                 static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
}

std::string reply_text(const redisReply* reply) {
  return std::string(reply->str, reply->len);
}

}  // namespace

void RedisCoordinator::ReplyDeleter::operator()(redisReply* reply) const {
  freeReplyObject(reply);
}

Result<std::unique_ptr<RedisCoordinator>> RedisCoordinator::open(const RedisAddress& address,
                                                                 Millis timeout) {
  std::unique_ptr<RedisCoordinator> coordinator(new RedisCoordinator(address, timeout));
  std::lock_guard lock(coordinator->mutex_);
  if (auto connected = coordinator->connect(); !connected) return connected.error();
  return coordinator;
}

RedisCoordinator::RedisCoordinator(RedisAddress address, Millis timeout)
    : address_(std::move(address)), timeout_(timeout) {}

RedisCoordinator::~RedisCoordinator() {
  if (context_ != nullptr) redisFree(context_);
}

std::string RedisCoordinator::describe() const {
  return fmt::format("redis://{}:{}/{}", address_.host, address_.port, address_.db);
}

Status RedisCoordinator::connect() {
  if (context_ != nullptr) return {};
  redisContext* context =
      redisConnectWithTimeout(address_.host.c_str(), address_.port, to_timeval(timeout_));
  if (context == nullptr) return Error{describe() + ": cannot allocate a connection"};
  if (context->err != 0) {
    Error error{fmt::format("{}: cannot connect: {}", describe(), context->errstr)};
    redisFree(context);
    return error;
  }
  redisSetTimeout(context, to_timeval(timeout_));
  context_ = context;
  script_sha_.clear();
  if (address_.db != 0) {
    auto selected = command("SELECT", {"SELECT", std::to_string(address_.db)});
    if (!selected) return selected.error();
  }
  return {};
}

Result<RedisCoordinator::Reply> RedisCoordinator::command(std::string_view what,
                                                          const std::vector<std::string>& args) {
  if (auto connected = connect(); !connected) return connected.error();
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  Reply reply(static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply) {
    // An I/O error or a timeout: this connection is unusable (replies may be out of step).
    Error error{
        fmt::format("{}: {}: {}", describe(), what,
                    std::string_view(context_->errstr).find("temporarily") != std::string_view::npos
                        ? fmt::format("no answer within {} ms", timeout_.count())
                        : std::string(context_->errstr))};
    redisFree(context_);
    context_ = nullptr;
    return error;
  }
  if (reply->type == REDIS_REPLY_ERROR)
    return Error{fmt::format("{}: {}: {}", describe(), what, reply_text(reply.get()))};
  return reply;
}

Result<RedisCoordinator::Reply> RedisCoordinator::eval(std::string_view what, const char* script,
                                                       const std::vector<std::string>& keys,
                                                       const std::vector<std::string>& args) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto sha = script_sha_.find(script);
    if (sha == script_sha_.end()) {
      auto loaded = command(what, {"SCRIPT", "LOAD", script});
      if (!loaded) return loaded.error();
      sha = script_sha_.emplace(script, reply_text(loaded.value().get())).first;
    }
    std::vector<std::string> argv = {"EVALSHA", sha->second, std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    auto reply = command(what, argv);
    if (reply || reply.error().message.find("NOSCRIPT") == std::string::npos) return reply;
    script_sha_.erase(script);  // the server restarted and forgot it
  }
  return Error{fmt::format("{}: {}: the server keeps forgetting its scripts", describe(), what)};
}

Result<std::optional<Lease>> RedisCoordinator::try_acquire(const std::string& name, Millis ttl) {
  std::lock_guard lock(mutex_);
  auto reply = eval("try_acquire " + name, kAcquire, {lock_key(name), kFenceKey},
                    {owner(), std::to_string(ttl.count())});
  if (!reply) return reply.error();
  if (reply.value()->type != REDIS_REPLY_INTEGER) return std::optional<Lease>();
  return std::optional<Lease>(Lease{name, owner(), reply.value()->integer});
}

Result<bool> RedisCoordinator::release(const Lease& lease) {
  std::lock_guard lock(mutex_);
  auto reply = eval("release " + lease.name, kRelease, {lock_key(lease.name)}, {lock_value(lease)});
  if (!reply) return reply.error();
  return reply.value()->integer == 1;
}

Result<bool> RedisCoordinator::renew(const Lease& lease, Millis ttl) {
  std::lock_guard lock(mutex_);
  auto reply = eval("renew " + lease.name, kRenew, {lock_key(lease.name)},
                    {lock_value(lease), std::to_string(ttl.count())});
  if (!reply) return reply.error();
  return reply.value()->integer == 1;
}

Result<bool> RedisCoordinator::write_if_fence_current(const std::string& resource,
                                                      std::int64_t fence,
                                                      const std::string& value) {
  std::lock_guard lock(mutex_);
  auto reply =
      eval("write " + resource, kGuardedWrite, {guarded_key(resource), write_log_key(resource)},
           {std::to_string(fence), value});
  if (!reply) return reply.error();
  return reply.value()->integer == 1;
}

Status RedisCoordinator::write_unfenced(const std::string& resource, std::int64_t fence,
                                        const std::string& value) {
  std::lock_guard lock(mutex_);
  auto reply =
      eval("write " + resource, kUnfencedWrite, {guarded_key(resource), write_log_key(resource)},
           {std::to_string(fence), value});
  if (!reply) return reply.error();
  return {};
}

Result<std::optional<GuardedValue>> RedisCoordinator::read(const std::string& resource) {
  std::lock_guard lock(mutex_);
  auto reply = command("read " + resource, {"HMGET", guarded_key(resource), "fence", "value"});
  if (!reply) return reply.error();
  const redisReply* r = reply.value().get();
  if (r->elements != 2 || r->element[1]->type != REDIS_REPLY_STRING)
    return std::optional<GuardedValue>();
  return std::optional<GuardedValue>(
      GuardedValue{std::stoll(reply_text(r->element[0])), reply_text(r->element[1])});
}

Result<std::vector<GuardedValue>> RedisCoordinator::write_log(const std::string& resource) {
  std::lock_guard lock(mutex_);
  auto reply = command("write log of " + resource, {"LRANGE", write_log_key(resource), "0", "-1"});
  if (!reply) return reply.error();
  std::vector<GuardedValue> writes;
  for (std::size_t i = 0; i < reply.value()->elements; ++i) {
    const std::string entry = reply_text(reply.value()->element[i]);
    const auto colon = entry.find(':');
    writes.push_back({std::stoll(entry.substr(0, colon)), entry.substr(colon + 1)});
  }
  return writes;
}

Result<bool> RedisCoordinator::enqueue_unique(const std::string& queue, const std::string& job_id,
                                              const std::string& payload) {
  std::lock_guard lock(mutex_);
  auto reply = eval("enqueue " + queue + "/" + job_id, kEnqueue,
                    {queue_key(queue, "payloads"), queue_key(queue, "ready")}, {job_id, payload});
  if (!reply) return reply.error();
  return reply.value()->integer == 1;
}

Result<std::optional<Job>> RedisCoordinator::claim(const std::string& queue, Millis visibility) {
  std::lock_guard lock(mutex_);
  auto reply =
      eval("claim from " + queue, kClaim,
           {queue_key(queue, "payloads"), queue_key(queue, "ready"), queue_key(queue, "claimed"),
            queue_key(queue, "tokens"), queue_key(queue, "attempts"), kFenceKey},
           {owner(), std::to_string(visibility.count())});
  if (!reply) return reply.error();
  const redisReply* r = reply.value().get();
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 5) return std::optional<Job>();
  return std::optional<Job>(Job{queue, reply_text(r->element[0]), reply_text(r->element[1]),
                                reply_text(r->element[4]), r->element[2]->integer,
                                static_cast<int>(r->element[3]->integer)});
}

Result<bool> RedisCoordinator::complete(const Job& job) {
  std::lock_guard lock(mutex_);
  auto reply = eval("complete " + job.queue + "/" + job.id, kComplete,
                    {queue_key(job.queue, "claimed"), queue_key(job.queue, "tokens")},
                    {job.id, job.claim_token});
  if (!reply) return reply.error();
  return reply.value()->integer == 1;
}

Result<std::int64_t> RedisCoordinator::incr(const std::string& counter) {
  std::lock_guard lock(mutex_);
  auto reply = command("incr " + counter, {"INCR", "clab:counter:" + counter});
  if (!reply) return reply.error();
  return static_cast<std::int64_t>(reply.value()->integer);
}

Status RedisCoordinator::record_run(const RunRecord& run) {
  std::lock_guard lock(mutex_);
  auto reply = command("record run of " + run.job,
                       {"RPUSH", "clab:runs:" + run.job, nlohmann::json(run).dump()});
  if (!reply) return reply.error();
  return {};
}

Result<std::vector<RunRecord>> RedisCoordinator::runs(const std::string& job) {
  std::lock_guard lock(mutex_);
  auto reply = command("runs of " + job, {"LRANGE", "clab:runs:" + job, "0", "-1"});
  if (!reply) return reply.error();
  std::vector<RunRecord> records;
  for (std::size_t i = 0; i < reply.value()->elements; ++i)
    records.push_back(
        nlohmann::json::parse(reply_text(reply.value()->element[i])).get<RunRecord>());
  return records;
}

Status RedisCoordinator::flush_all() {
  std::lock_guard lock(mutex_);
  auto reply = command("FLUSHALL", {"FLUSHALL"});
  if (!reply) return reply.error();
  return {};
}

}  // namespace clab::coord
