// The cost of coordinating: a lock acquire + release and an enqueue_unique, on SQLite (a
// fresh WAL file) and on a private redis-server, alone and contended by a second process
// doing the same on the same names; and the cron next-fire computation. Lock and enqueue
// report p50 and p99 latencies (µs) as counters, from every iteration.
//
// The contending process is this program re-executed with --contend OPERATION SPEC NAME:
// it loops until killed. Each benchmark run uses names of its own, so a lease left by the
// previous run's contender (killed while holding it) does not block this one.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "coord/coordinator.hpp"
#include "load/histogram.hpp"
#include "proc/child_process.hpp"
#include "sched/cron_expression.hpp"
#include "testkit/redis_server.hpp"

namespace clab {
namespace {

using namespace std::chrono;

// The stores, made once per run: a SQLite file in a scratch directory, a redis-server.
struct Backends {
  Backends() {
    char pattern[] = "/tmp/clusterlab-bench-XXXXXX";
    dir = ::mkdtemp(pattern);
    auto server = testkit::RedisServer::start();
    if (!server) throw std::runtime_error(server.error().message);
    redis = std::move(server).value();
  }
  ~Backends() { std::filesystem::remove_all(dir); }
  std::string spec(int backend) const {
    return backend == 0 ? "sqlite:" + dir + "/bench.db" : redis->url();
  }
  std::string dir;
  std::unique_ptr<testkit::RedisServer> redis;
};

Backends& backends() {
  static Backends instance;
  return instance;
}

std::unique_ptr<coord::Coordinator> open(const std::string& spec) {
  auto opened = coord::open_coordinator(spec);
  if (!opened) throw std::runtime_error(opened.error().message);
  return std::move(opened).value();
}

// One operation, as the benchmark and its contender both run it, on the lock or queue
// `name` (shared, so contenders do contend); `i` makes job ids unique.
bool lock_once(coord::Coordinator& store, const std::string& name, std::uint64_t) {
  auto lease = store.try_acquire(name, seconds(10));
  if (!lease || !lease.value()) return false;
  return store.release(*lease.value()).ok();
}

bool enqueue_once(coord::Coordinator& store, const std::string& name, std::uint64_t i) {
  auto accepted = store.enqueue_unique(name, fmt::format("{}-{}", store.owner(), i), "{}");
  return accepted && accepted.value();
}

using Operation = bool (*)(coord::Coordinator&, const std::string&, std::uint64_t);

Operation operation(const std::string& name) {
  return name == "lock" ? lock_once : enqueue_once;
}

// A second process doing the same operation on the same store until it is destroyed.
std::unique_ptr<proc::ChildProcess> start_contender(const std::string& op, const std::string& spec,
                                                    const std::string& name) {
  auto child = proc::ChildProcess::spawn(
      {.argv = {"/proc/self/exe", "--contend", op, spec, name}, .merge_stderr = true});
  if (!child) throw std::runtime_error(child.error().message);
  std::size_t cursor = 0;
  if (!child.value()->wait_for_line(std::regex("contending"), &cursor, seconds(10)))
    throw std::runtime_error("the contender did not start");
  return std::move(child).value();
}

void run_operation(benchmark::State& state, const std::string& op) {
  const int backend = static_cast<int>(state.range(0));
  const bool contended = state.range(1) != 0;
  const std::string spec = backends().spec(backend);
  static int runs = 0;
  const std::string name = fmt::format("bench-{}-{}", op, ++runs);
  auto store = open(spec);
  auto contender = contended ? start_contender(op, spec, name) : nullptr;
  const Operation once = operation(op);
  load::LatencyHistogram nanos;
  std::uint64_t i = 0, succeeded = 0;
  for (auto _ : state) {
    const auto started = steady_clock::now();
    succeeded += once(*store, name, i++);
    nanos.record(static_cast<std::uint64_t>(
        duration_cast<nanoseconds>(steady_clock::now() - started).count()));
  }
  state.SetLabel(
      fmt::format("{}{}", backend == 0 ? "sqlite" : "redis", contended ? ", 2 processes" : ""));
  state.counters["p50_us"] = nanos.percentile(50) / 1000;
  state.counters["p99_us"] = nanos.percentile(99) / 1000;
  state.counters["succeeded"] =
      benchmark::Counter(static_cast<double>(succeeded) / static_cast<double>(i) * 100);
}

void BM_LockAcquireRelease(benchmark::State& state) {
  run_operation(state, "lock");
}
void BM_EnqueueUnique(benchmark::State& state) {
  run_operation(state, "enqueue");
}

// {backend: 0 sqlite, 1 redis} x {contended: 0, 1}
BENCHMARK(BM_LockAcquireRelease)->ArgsProduct({{0, 1}, {0, 1}})->UseRealTime();
BENCHMARK(BM_EnqueueUnique)->ArgsProduct({{0, 1}, {0, 1}})->UseRealTime();

void BM_CronNextFire(benchmark::State& state) {
  static const char* const kExpressions[] = {"* * * * * *", "0 9 * * MON-FRI", "0 0 29 2 *"};
  const auto cron = sched::CronExpression::parse(kExpressions[state.range(0)]).value();
  const auto zone = state.range(1) == 0 ? sched::Zone::Utc : sched::Zone::Local;
  auto t = floor<seconds>(system_clock::now());
  for (auto _ : state) {
    auto next = cron.next_after(t, zone);
    benchmark::DoNotOptimize(next);
  }
  state.SetLabel(fmt::format("'{}' {}", kExpressions[state.range(0)],
                             zone == sched::Zone::Utc ? "utc" : "local"));
}
// {expression} x {zone: 0 utc, 1 local}
BENCHMARK(BM_CronNextFire)->ArgsProduct({{0, 1, 2}, {0, 1}});

// The contender's loop: the same operation, as fast as it goes, until killed.
[[noreturn]] void contend(const std::string& op, const std::string& spec, const std::string& name) {
  auto store = open(spec);
  const Operation once = operation(op);
  std::printf("contending\n");
  std::fflush(stdout);
  for (std::uint64_t i = 0;; ++i)
    (void)once(*store, name, i);
}

}  // namespace
}  // namespace clab

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--contend") == 0) clab::contend(argv[2], argv[3], argv[4]);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
