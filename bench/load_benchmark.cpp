// The load generator's hot path: parsing responses and recording latencies.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "load/histogram.hpp"
#include "load/response_parser.hpp"

namespace clab::load {
namespace {

const std::string kResponse =
    "HTTP/1.1 200 OK\r\nContent-Length: 31\r\nContent-Type: text/plain\r\nKeep-Alive: timeout=5, "
    "max=10000\r\nX-Worker-Id: 1\r\nX-Worker-Pid: 4242\r\n\r\nHello from worker 1 (pid 4242)\n";

void BM_ParseResponse(benchmark::State& state) {
  ResponseParser parser;
  for (auto _ : state) {
    std::size_t used = 0;
    benchmark::DoNotOptimize(parser.parse(kResponse, &used));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kResponse.size()));
}
BENCHMARK(BM_ParseResponse);

void BM_ParsePipelinedResponses(benchmark::State& state) {
  std::string wire;
  for (int i = 0; i < 16; ++i)
    wire += kResponse;
  ResponseParser parser;
  for (auto _ : state) {
    std::string_view data(wire);
    while (!data.empty()) {
      std::size_t used = 0;
      parser.parse(data, &used);
      data.remove_prefix(used);
    }
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_ParsePipelinedResponses);

void BM_HistogramRecord(benchmark::State& state) {
  LatencyHistogram histogram;
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> latency(7.0, 1.0);
  std::vector<std::uint64_t> values(4096);
  for (auto& v : values)
    v = static_cast<std::uint64_t>(latency(rng));
  std::size_t i = 0;
  for (auto _ : state) {
    histogram.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(histogram.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramPercentile(benchmark::State& state) {
  LatencyHistogram histogram;
  for (std::uint64_t v = 1; v < 1'000'000; v += 13)
    histogram.record(v);
  for (auto _ : state)
    benchmark::DoNotOptimize(histogram.percentile(99.9));
}
BENCHMARK(BM_HistogramPercentile);

}  // namespace
}  // namespace clab::load
