// Check `shared-state`: "workers share no memory" (pitfall 1 of the lesson).
//
// Drive N x 100 requests at /count, a counter kept in each worker's own memory, over fresh
// connections from several clients. Expect the pitfall, measured, under every policy: each
// worker counted only what it served, the counters add up to the requests sent, and no
// client ever saw a value near the total. The fixed variants send the same requests to
// /shared-count, the counter in a coordination store (SQLite, Redis): every value from 1 to
// the number of requests is returned exactly once, whichever worker answers.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "checks/registry.hpp"
#include "cron_cluster.hpp"
#include "http_probe.hpp"
#include "policy_check.hpp"

namespace clab::harness {
namespace {

struct WorkerCount {
  std::uint64_t responses = 0;  // answers this worker gave
  std::uint64_t highest = 0;    // the highest /count value it returned
};

constexpr int kClients = 4;

// Sends `requests` GETs of `path` from kClients threads; calls `on_reply` under a lock.
void drive(std::uint16_t port, const std::string& path, int requests,
           const std::function<void(const Reply&, const nlohmann::json&)>& on_reply) {
  std::mutex mutex;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = c; i < requests; i += kClients) {
        const Reply reply = fetch(port, path);
        const auto body = nlohmann::json::parse(reply.body, nullptr, false);
        std::lock_guard lock(mutex);
        on_reply(reply, body);
      }
    });
  }
  for (auto& t : clients)
    t.join();
}

class SharedStateCheck final : public PolicyCheck {
 public:
  std::string name() const override { return "shared-state"; }
  std::string claim() const override {
    return "a counter in worker memory is per worker; one in SQLite or Redis is exact";
  }

  std::vector<CheckResult> run(const CheckContext& context) override {
    auto results = PolicyCheck::run(context);
    for (const BackendKind kind : {BackendKind::Sqlite, BackendKind::Redis})
      results.push_back(run_fixed(context, kind));
    return results;
  }

 private:
  CheckResult run_fixed(const CheckContext& context, BackendKind kind) {
    CheckResult r{.check = name(), .variant = fmt::format("shared-count/{}", to_string(kind))};
    auto backend = BackendUnderTest::start(kind, "shared-state");
    if (!backend) {
      r.expect(false, "no backend: " + backend.error().message);
      return r;
    }
    auto cluster = start_cluster(r, {.bin_dir = context.bin_dir,
                                     .workers = context.workers,
                                     .extra_args = {"--backend", backend.value()->spec()}});
    if (!cluster) return r;
    const int requests = context.workers * 100;
    int failed = 0;
    std::vector<std::int64_t> values;
    std::set<int> workers;
    drive(cluster->port(), "/shared-count", requests, [&](const Reply& reply, const auto& body) {
      if (reply.status != 200 || !body.contains("count")) return void(++failed);
      values.push_back(body["count"].template get<std::int64_t>());
      workers.insert(reply.worker);
    });
    (void)cluster->stop();
    std::sort(values.begin(), values.end());
    const bool exact = std::adjacent_find(values.begin(), values.end()) == values.end() &&
                       !values.empty() && values.front() == 1 &&
                       values.back() == static_cast<std::int64_t>(values.size());
    r.expect(failed == 0, fmt::format("{} of {} requests failed", failed, requests));
    r.expect(workers.size() >= 2, "only one worker answered: nothing shared to prove");
    r.expect(exact, "the values returned are not 1..N, each once: increments were lost or doubled");
    r.figures = {{"requests_sent", requests},
                 {"requests_failed", failed},
                 {"workers_answering", workers.size()},
                 {"highest_value_seen", values.empty() ? 0 : values.back()},
                 {"backend", backend.value()->spec()}};
    const auto distinct = std::set<std::int64_t>(values.begin(), values.end()).size();
    r.conclude(fmt::format("{} requests over {} workers: {} distinct values, the highest {}{}",
                           requests, workers.size(), distinct, values.empty() ? 0 : values.back(),
                           exact ? " (1..N, each once)" : ""));
    return r;
  }

  void run_on(ClusterUnderTest& cluster, const CheckContext& context, CheckResult& r) override {
    const int requests = context.workers * 100;

    std::map<int, WorkerCount> by_worker;
    int failed = 0;
    drive(cluster.port(), "/count", requests, [&](const Reply& reply, const auto& body) {
      if (reply.status != 200 || !body.contains("count")) return void(++failed);
      auto& w = by_worker[reply.worker];
      ++w.responses;
      w.highest = std::max(w.highest, body["count"].template get<std::uint64_t>());
    });
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
    r.conclude(
        fmt::format("{} requests sent; counters {} = {}; highest value any client saw {} "
                    "(a shared counter would read {})",
                    requests, counters, sum, highest, requests));
  }
};

}  // namespace

std::unique_ptr<Check> make_shared_state_check() {
  return std::make_unique<SharedStateCheck>();
}

}  // namespace clab::harness
