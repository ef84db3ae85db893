// Check `reuseport-drop`: "a worker that dies takes no connection with it but its own".
//
// Under a steady load of one connection per request (1,000 requests/s over 100 client
// connections), one worker is frozen
// with SIGSTOP for half a second, as a stuck or overloaded worker would be, then killed with
// SIGKILL. Connections that arrived meanwhile wait in an accept queue:
//   reuseport    each worker has its own queue; the kernel keeps hashing new connections to
//                the frozen worker's, and they are reset when it dies;
//   shared       one queue for all; the other worker takes them;
//   round-robin  the primary holds them until a worker acknowledges each one, and hands
//                the frozen worker's unacknowledged ones to another worker when it dies.
// The connections the frozen worker had already accepted are lost under every policy; the
// check counts them (its TCP sockets, from /proc) and expects no loss beyond them with
// shared and round-robin, and losses from the queue with reuseport (the pitfall, counted).
// The "reuseport, migrated" variant runs in a network namespace of its own with
// net.ipv4.tcp_migrate_req on (Linux 5.14+): the dying listener's queue moves to its sibling
// and nothing beyond the held connections is lost (the fix).
#include <signal.h>

#include <fmt/format.h>

#include <thread>

#include "checks/registry.hpp"
#include "load/load_engine.hpp"
#include "policy_check.hpp"
#include "private_network.hpp"
#include "proc/process_table.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;

class ReuseportDropCheck final : public PolicyCheck {
 public:
  std::string name() const override { return "reuseport-drop"; }
  std::string claim() const override {
    return "a dying worker loses only its own connections (reuseport also loses its queue)";
  }

 private:
  static constexpr auto kFrozenFor = 500ms;

  bool has_migration_variant() const override { return true; }

  void run_on(ClusterUnderTest& cluster, const CheckContext&, CheckResult& r) override {
    load::LoadOptions options;
    options.target = load::parse_url(fmt::format("http://127.0.0.1:{}/", cluster.port())).value();
    options.connections = 100;
    options.duration_s = 3;
    options.overall_rate = 1000;
    options.timeout_s = 5;
    options.headers.emplace_back("Connection", "close");
    load::LoadProgress progress(1);
    Result<load::LoadResult> result = Error{"not run"};
    std::thread load_thread([&] { result = load::run_load(options, &progress); });

    // Fault injection starts once the load runs: a deadline-bound wait for 300 responses.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (progress.responses() < 300 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    const pid_t victim = cluster.live_workers().front();
    ::kill(victim, SIGSTOP);
    while (proc::process_info(victim).value_or(proc::ProcessInfo{}).state != 'T' &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();  // SIGSTOP is delivered asynchronously
    }
    // What the frozen worker holds now is lost when it dies, whatever the policy.
    const std::size_t held = proc::open_tcp_connections(victim);
    std::this_thread::sleep_for(kFrozenFor);  // the fault itself: a worker frozen this long
    ::kill(victim, SIGKILL);
    load_thread.join();

    if (!result) {
      r.expect(false, "the load did not run: " + result.error().message);
      return;
    }
    const auto& s = result.value().stats;
    const std::uint64_t failed = s.errors + s.connect_errors + s.timeouts;
    const std::uint64_t from_queue = failed > held ? failed - held : 0;
    const bool migrated = tcp_migrate_req_enabled();
    if (r.variant == "reuseport" && !migrated) {
      r.expect(from_queue > 0, "no queued connection was lost: the reuseport pitfall did not show");
    } else {
      r.expect(from_queue == 0, fmt::format("{} requests failed beyond the {} connections the "
                                            "frozen worker held",
                                            failed, held));
    }
    r.figures = {{"failed", failed},
                 {"held_by_frozen_worker", held},
                 {"lost_from_accept_queue", from_queue},
                 {"reset_or_closed", s.errors},
                 {"timeouts", s.timeouts},
                 {"connect_errors", s.connect_errors},
                 {"responses", s.responses},
                 {"sent", s.sent},
                 {"frozen_ms", kFrozenFor.count()},
                 {"tcp_migrate_req", migrated}};
    r.conclude(fmt::format(
        "{} of {} requests failed when a worker frozen for {} ms was killed: {} "
        "it was serving, {} from its accept queue",
        failed, s.sent, kFrozenFor.count(), std::min<std::uint64_t>(failed, held), from_queue));
  }
};

}  // namespace

std::unique_ptr<Check> make_reuseport_drop_check() {
  return std::make_unique<ReuseportDropCheck>();
}

}  // namespace clab::harness
