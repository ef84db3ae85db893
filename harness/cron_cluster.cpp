#include "cron_cluster.hpp"

#include <fmt/format.h>

#include <locale>
#include <thread>

#include "lifecycle_probe.hpp"

namespace clab::harness {

using namespace std::chrono;

std::string_view to_string(BackendKind kind) {
  return kind == BackendKind::Sqlite ? "sqlite" : "redis";
}

Result<std::unique_ptr<BackendUnderTest>> BackendUnderTest::start(BackendKind kind,
                                                                  const std::string& stem) {
  std::unique_ptr<BackendUnderTest> backend(new BackendUnderTest());
  if (kind == BackendKind::Redis) {
    auto server = testkit::RedisServer::start();
    if (!server) return server.error();
    backend->redis_ = std::move(server).value();
    backend->spec_ = backend->redis_->url();
  } else {
    backend->sqlite_path_ = scratch_file(stem + ".db");
    backend->spec_ = "sqlite:" + backend->sqlite_path_;
  }
  auto store = coord::open_coordinator(backend->spec_);
  if (!store) return store.error();
  backend->store_ = std::move(store).value();
  return backend;
}

BackendUnderTest::~BackendUnderTest() {
  store_.reset();
  if (sqlite_path_.empty()) return;
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((sqlite_path_ + suffix).c_str());
}

std::vector<CheckResult> run_in_parallel(
    const std::vector<std::function<CheckResult()>>& variants) {
  // libstdc++'s ctype<char>::narrow fills a cache lazily without synchronisation (GCC PR
  // 77704), and std::regex, compiled in every variant's thread, reads it. Filling the whole
  // cache here, before the threads start, leaves nothing for them to race on.
  char all[256], narrowed[256];
  for (int c = 0; c < 256; ++c)
    all[c] = static_cast<char>(c);
  std::use_facet<std::ctype<char>>(std::locale()).narrow(all, all + 256, '\0', narrowed);

  std::vector<CheckResult> results(variants.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < variants.size(); ++i)
    threads.emplace_back([&, i] { results[i] = timed(variants[i]); });
  for (auto& t : threads)
    t.join();
  return results;
}

std::unique_ptr<ClusterUnderTest> start_cron_cluster(CheckResult& result,
                                                     const CheckContext& context,
                                                     const CronClusterOptions& options) {
  ClusterOptions cluster{
      .bin_dir = context.bin_dir,
      .program = "cluster-cron",
      .workers = options.workers,
      .extra_args = {"--backend", options.backend, "--strategy",
                     std::string(to_string(options.strategy)), "--host-name", options.host_name,
                     "--job-ms", std::to_string(options.job_ms)}};
  cluster.extra_args.insert(cluster.extra_args.end(), options.extra_args.begin(),
                            options.extra_args.end());
  auto started = ClusterUnderTest::start(cluster, seconds(15));
  if (started) return std::move(started).value();
  result.expect(false, "cluster-cron did not start: " + started.error().message);
  return nullptr;
}

std::int64_t first_tick_after(milliseconds lead) {
  return duration_cast<seconds>((system_clock::now() + lead).time_since_epoch()).count() + 1;
}

void wait_past_tick(std::int64_t tick, milliseconds margin) {
  std::this_thread::sleep_until(system_clock::time_point(seconds(tick)) + margin);
}

std::optional<sched::RunTally> tally_ticks(CheckResult& result, coord::Coordinator& store,
                                           std::int64_t first, std::int64_t last) {
  auto runs = store.runs("report");
  auto writes = store.write_log("cron:report:last-tick");
  if (!runs || !writes) {
    result.expect(false, "the run records cannot be read: " +
                             (runs ? writes.error().message : runs.error().message));
    return std::nullopt;
  }
  return sched::tally_runs(runs.value(), writes.value(), first, last);
}

}  // namespace clab::harness
