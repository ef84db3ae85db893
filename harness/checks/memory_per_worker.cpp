// Check `memory-per-worker`: "N workers cost N times the memory" — measured, for N = 1, 2, 4.
//
// A native-cluster with N workers serves 2,000 requests (so every worker has touched its
// serving paths), then each process's /proc/PID/smaps_rollup is read: RSS summed over the
// workers counts every shared page (program code, libraries) once per worker; PSS summed
// divides them among their sharers and is what the workers really take together; USS is
// what each worker alone holds (its heap, stacks, written pages), the price of one more.
// Expect: each worker's USS below its RSS (it shares something), and from two workers on,
// PSS summed below RSS summed. The workers are exec'd, not forked copies: they share code
// pages through the page cache, not copy-on-write heap with the primary.
#include <fmt/format.h>

#include "checks/registry.hpp"
#include "load/load_engine.hpp"
#include "monitor/process_memory.hpp"
#include "policy_check.hpp"

namespace clab::harness {
namespace {

double mib(std::uint64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

class MemoryPerWorkerCheck final : public Check {
 public:
  std::string name() const override { return "memory-per-worker"; }
  std::string claim() const override {
    return "RSS summed over workers overstates a cluster's memory; PSS is what it takes, USS "
           "what one more worker adds";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    std::vector<CheckResult> results;
    if (context.private_network) return results;
    for (int workers : {1, 2, 4})
      results.push_back(timed([&] { return measure(context, workers); }));
    return results;
  }

 private:
  CheckResult measure(const CheckContext& context, int workers) {
    CheckResult r{.check = name(), .variant = fmt::format("workers={}", workers)};
    auto cluster = start_cluster(r, {.bin_dir = context.bin_dir, .workers = workers});
    if (!cluster) return r;
    load::LoadOptions options;
    options.target = load::parse_url(fmt::format("http://127.0.0.1:{}/", cluster->port())).value();
    options.connections = 4 * workers;
    options.amount = 2000;
    auto run = load::run_load(options);
    r.expect(run && run.value().stats.responses == options.amount, "the warm-up load failed");

    std::uint64_t rss = 0, pss = 0, uss = 0, shared = 0;
    nlohmann::json per_worker = nlohmann::json::array();
    for (pid_t pid : cluster->live_workers()) {
      const auto m = monitor::read_memory(pid);
      r.expect(m.has_value(), fmt::format("could not read worker {}'s smaps_rollup", pid));
      if (!m) continue;
      rss += m->rss_bytes;
      pss += m->pss_bytes;
      uss += m->uss_bytes;
      shared += m->shared_bytes;
      r.expect(m->uss_bytes < m->rss_bytes,
               fmt::format("worker {} shares nothing (USS {} = RSS {})", pid, m->uss_bytes,
                           m->rss_bytes));
      per_worker.push_back({{"pid", pid},
                            {"rss_bytes", m->rss_bytes},
                            {"pss_bytes", m->pss_bytes},
                            {"uss_bytes", m->uss_bytes},
                            {"shared_bytes", m->shared_bytes}});
    }
    const auto primary = monitor::read_memory(cluster->primary_pid());
    const int n = static_cast<int>(per_worker.size());
    r.expect(n == workers, fmt::format("{} workers measured of {}", n, workers));
    if (workers > 1) {
      r.expect(pss < rss,
               fmt::format("PSS summed ({} bytes) is not below RSS summed ({} bytes)", pss, rss));
    }
    r.expect(cluster->stop().has_value(), "the primary did not exit within 10 s of SIGTERM");
    const double uss_each = n > 0 ? mib(uss) / n : 0;
    r.figures = {{"workers", workers},
                 {"rss_sum_bytes", rss},
                 {"pss_sum_bytes", pss},
                 {"uss_sum_bytes", uss},
                 {"shared_sum_bytes", shared},
                 {"uss_per_worker_mib", uss_each},
                 {"primary_rss_bytes", primary ? primary->rss_bytes : 0},
                 {"primary_pss_bytes", primary ? primary->pss_bytes : 0},
                 {"per_worker", per_worker}};
    r.conclude(fmt::format(
        "{} worker{}: RSS summed {:.1f} MiB, PSS summed {:.1f} MiB, USS {:.2f} MiB per worker "
        "(primary: RSS {:.1f}, PSS {:.1f} MiB)",
        workers, workers == 1 ? "" : "s", mib(rss), mib(pss), uss_each,
        mib(primary ? primary->rss_bytes : 0), mib(primary ? primary->pss_bytes : 0)));
    return r;
  }
};

}  // namespace

std::unique_ptr<Check> make_memory_per_worker_check() {
  return std::make_unique<MemoryPerWorkerCheck>();
}

}  // namespace clab::harness
