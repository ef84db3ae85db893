// What watching a cluster costs: one Sampler pass over the 8 workers of a real
// native-cluster (-w 8), with the memory breakdown (/proc/PID/smaps_rollup) and without it
// (/proc/PID/stat only), and rendering /metrics for them. The figure to read is
// core_pct_at_1Hz: the share of one core that sampling once a second takes (the target is
// under 1%). `bench-monitor BIN_DIR`; BIN_DIR defaults to this program's directory.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "monitor/prometheus_text.hpp"
#include "monitor/sampler.hpp"
#include "testkit/cluster_under_test.hpp"

namespace {

using namespace clab;

std::string g_bin_dir;
constexpr int kWorkers = 8;

// The cluster, started once for every benchmark, and its workers as the Sampler sees them.
struct Watched {
  std::unique_ptr<testkit::ClusterUnderTest> cluster;
  std::vector<monitor::InstanceSource> sources;
};

Watched& watched() {
  static Watched w = [] {
    Watched out;
    auto started = testkit::ClusterUnderTest::start({.bin_dir = g_bin_dir, .workers = kWorkers});
    if (!started) {
      fprintf(stderr, "bench-monitor: %s\n", started.error().message.c_str());
      std::exit(1);
    }
    out.cluster = std::move(started.value());
    int instance = 0;
    for (pid_t pid : out.cluster->live_workers()) {
      out.sources.push_back({.app = "bench",
                             .instance = instance++,
                             .status = "ready",
                             .pid = pid,
                             .started_at = monitor::Clock::now()});
    }
    return out;
  }();
  return w;
}

// Runs `pass` as the benchmark's loop and reports the share of a core it takes once a
// second: 100 × its seconds per pass.
template <typename Pass>
void measure(benchmark::State& state, Pass pass) {
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    pass();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.counters["core_pct_at_1Hz"] = 100.0 * seconds / static_cast<double>(state.iterations());
}

void BM_SampleEightWorkers(benchmark::State& state) {
  auto& w = watched();
  monitor::Sampler sampler(/*memory_breakdown=*/state.range(0) != 0);
  measure(state, [&] { benchmark::DoNotOptimize(sampler.sample(w.sources)); });
  state.SetLabel(state.range(0) != 0 ? "stat + smaps_rollup" : "stat only");
}
BENCHMARK(BM_SampleEightWorkers)->Arg(1)->Arg(0)->UseRealTime();

void BM_RenderMetricsForEightWorkers(benchmark::State& state) {
  auto& w = watched();
  monitor::Sampler sampler;
  const auto figures = sampler.sample(w.sources);
  measure(state, [&] { benchmark::DoNotOptimize(monitor::prometheus_text(figures)); });
}
BENCHMARK(BM_RenderMetricsForEightWorkers)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  g_bin_dir = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  ::benchmark::Initialize(&argc, argv);
  if (argc > 1) g_bin_dir = argv[1];
  ::benchmark::RunSpecifiedBenchmarks();
  ::benchmark::Shutdown();
  watched().cluster.reset();
  return 0;
}
