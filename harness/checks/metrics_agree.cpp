// Check `metrics-agree`: "what /metrics says is what the clients got".
//
// A native-cluster with --metrics-port serves 20,000 requests from loadgen's engine
// (20 keep-alive connections), per listen policy. Expect: once the workers' next heartbeats
// have come, clusterlab_worker_requests_total summed over the instances equals loadgen's
// responses, and per worker (the X-Worker-Id loadgen counted against the id /api/figures
// gives each instance) the two counts are equal too. Figures: both totals, how long after
// the load the metrics agreed, the per-worker counts.
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "checks/registry.hpp"
#include "http_probe.hpp"
#include "load/load_engine.hpp"
#include "policy_check.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kRequests = 20'000;

// Sum of clusterlab_worker_requests_total over every instance in an exposition.
std::uint64_t requests_total(const std::string& exposition) {
  std::uint64_t sum = 0;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("clusterlab_worker_requests_total{", 0) != 0) continue;
    sum += static_cast<std::uint64_t>(std::stod(line.substr(line.rfind(' ') + 1)));
  }
  return sum;
}

// Requests answered per worker id, from /api/figures.
std::map<int, std::uint64_t> requests_by_worker(std::uint16_t port) {
  std::map<int, std::uint64_t> by_worker;
  const auto figures = nlohmann::json::parse(fetch(port, "/api/figures").body, nullptr, false);
  if (!figures.is_object()) return by_worker;
  for (const auto& instance : figures["instances"]) {
    if (instance["requests"].is_object())
      by_worker[instance["id"].get<int>()] = instance["requests"]["total"].get<std::uint64_t>();
  }
  return by_worker;
}

class MetricsAgreeCheck final : public PolicyCheck {
 public:
  std::string name() const override { return "metrics-agree"; }
  std::string claim() const override {
    return "the requests /metrics counts are the responses the clients received";
  }

 private:
  std::vector<std::string> extra_args() const override { return {"--metrics-port", "0"}; }

  void run_on(ClusterUnderTest& cluster, const CheckContext&, CheckResult& r) override {
    r.expect(cluster.metrics_port() != 0, "the primary reported no metrics port");
    if (cluster.metrics_port() == 0) return;
    load::LoadOptions options;
    options.target = load::parse_url(fmt::format("http://127.0.0.1:{}/", cluster.port())).value();
    options.connections = 20;
    options.amount = kRequests;
    auto run = load::run_load(options);
    r.expect(run.ok(), run ? "" : run.error().message);
    if (!run) return;
    const auto& stats = run.value().stats;
    r.expect(stats.responses == kRequests,
             fmt::format("loadgen got {} responses of {}", stats.responses, kRequests));

    // The counts travel with the heartbeats: wait for the ones after the load.
    const auto load_ended = Clock::now();
    std::uint64_t counted = 0;
    while (Clock::now() - load_ended < 5s) {
      counted = requests_total(fetch(cluster.metrics_port(), "/metrics").body);
      if (counted >= stats.responses) break;
    }
    const double agreed_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - load_ended).count();
    r.expect(counted == stats.responses,
             fmt::format("/metrics counted {} requests, loadgen received {} responses", counted,
                         stats.responses));
    const auto by_worker = requests_by_worker(cluster.metrics_port());
    nlohmann::json per_worker = nlohmann::json::object();
    for (const auto& [id, n] : stats.by_worker) {
      const auto it = by_worker.find(id);
      const std::uint64_t reported = it == by_worker.end() ? 0 : it->second;
      per_worker[std::to_string(id)] = {{"loadgen", n}, {"metrics", reported}};
      r.expect(reported == n,
               fmt::format("worker {}: loadgen counted {}, /api/figures {}", id, n, reported));
    }
    r.figures = {{"loadgen_responses", stats.responses},
                 {"metrics_requests_total", counted},
                 {"agreed_after_ms", agreed_ms},
                 {"per_worker", per_worker}};
    r.conclude(fmt::format(
        "loadgen {} responses, /metrics {} requests ({} ms after the load), "
        "per worker equal: {}",
        stats.responses, counted, static_cast<long>(agreed_ms), r.failures.empty() ? "yes" : "no"));
  }
};

}  // namespace

std::unique_ptr<Check> make_metrics_agree_check() {
  return std::make_unique<MetricsAgreeCheck>();
}

}  // namespace clab::harness
