// Check `shared-state`: "workers share no memory" (pitfall 1 of the lesson).
//
// Drive N x 100 requests at /count, a counter kept in each worker's own memory, over fresh
// connections from several clients. Expect the pitfall, measured: each worker counted only
// what it served, the counters add up to the requests sent, and no client ever saw a value
// near the total. The fixed variant, /shared-count in a shared store, comes with the
// cluster-aware scheduling work (coord/ backends).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "checks/registry.hpp"
#include "http_probe.hpp"
#include "policy_check.hpp"

namespace clab::harness {
namespace {

struct WorkerCount {
  std::uint64_t responses = 0;  // answers this worker gave
  std::uint64_t highest = 0;    // the highest /count value it returned
};

class SharedStateCheck final : public PolicyCheck {
 public:
  std::string name() const override { return "shared-state"; }
  std::string claim() const override {
    return "a counter in worker memory is per worker: N workers keep N different counts";
  }

 private:
  static constexpr int kClients = 4;

  std::string note() const override {
    return "fixed variant (/shared-count in SQLite or Redis) arrives with the coord/ backends";
  }

  void run_on(ClusterUnderTest& cluster, const CheckContext& context, CheckResult& r) override {
    const int requests = context.workers * 100;

    std::mutex mutex;
    std::map<int, WorkerCount> by_worker;
    int failed = 0;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int i = c; i < requests; i += kClients) {
          const Reply reply = fetch(cluster.port(), "/count");
          const auto body = nlohmann::json::parse(reply.body, nullptr, false);
          std::lock_guard lock(mutex);
          if (reply.status != 200 || !body.contains("count")) {
            ++failed;
            continue;
          }
          auto& w = by_worker[reply.worker];
          ++w.responses;
          w.highest = std::max(w.highest, body["count"].get<std::uint64_t>());
        }
      });
    }
    for (auto& t : clients)
      t.join();
    (void)cluster.stop();

    std::uint64_t sum = 0, highest = 0;
    nlohmann::json per_worker = nlohmann::json::object();
    bool each_counted_its_own = true;
    for (const auto& [id, w] : by_worker) {
      sum += w.highest;
      highest = std::max(highest, w.highest);
      each_counted_its_own &= w.highest == w.responses;
      per_worker[std::to_string(id)] = {{"counter", w.highest}, {"responses", w.responses}};
    }
    r.expect(failed == 0, fmt::format("{} of {} requests failed", failed, requests));
    r.expect(by_worker.size() >= 2,
             fmt::format("only {} worker answered: the pitfall cannot show", by_worker.size()));
    r.expect(each_counted_its_own, "a worker's counter differs from the requests it served");
    r.expect(sum == static_cast<std::uint64_t>(requests - failed),
             fmt::format("the counters add up to {}, not the {} requests answered", sum,
                         requests - failed));
    r.expect(highest < static_cast<std::uint64_t>(requests),
             "one counter saw every request: the workers are not separate");

    r.figures = {{"requests_sent", requests},
                 {"requests_failed", failed},
                 {"workers_answering", by_worker.size()},
                 {"per_worker", per_worker},
                 {"sum_of_counters", sum},
                 {"highest_value_seen", highest}};
    std::string counters;
    for (const auto& [id, w] : by_worker) {
      counters += fmt::format("{}{}", counters.empty() ? "" : " + ", w.highest);
    }
    r.summary = fmt::format(
        "{} requests sent; counters {} = {}; highest value any client saw {} "
        "(a shared counter would read {})",
        requests, counters, sum, highest, requests);
  }
};

}  // namespace

std::unique_ptr<Check> make_shared_state_check() {
  return std::make_unique<SharedStateCheck>();
}

}  // namespace clab::harness
