// harness: runs the pitfall checks on real processes and reports what it measured.
//
//   harness list                          the checks and what each one claims
//   harness run [CHECK...] [--json] [--policy P]... [--workers N] [--programs DIR]
//
// Exit status: 0 every check passed (or was skipped), 1 a check failed, 2 usage error (e.g.
// unknown check), 3 (--private-network) no network namespace could be made.
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "check.hpp"
#include "cli/cli_error.hpp"
#include "core/text_table.hpp"
#include "private_network.hpp"
#include "proc/child_process.hpp"
#include "proc/exit_status.hpp"
#include "proc/termination_watch.hpp"

namespace harness = clab::harness;

namespace {

void print_table(const std::vector<harness::CheckResult>& results) {
  clab::TextTable table({"check", "variant", "result", "time", "figures"},
                        {clab::TextTable::Align::Left, clab::TextTable::Align::Left,
                         clab::TextTable::Align::Left, clab::TextTable::Align::Right});
  for (const auto& r : results) {
    table.add_row({r.check, r.variant, std::string(r.outcome()), fmt::format("{:.1f} s", r.seconds),
                   r.summary});
  }
  table.print();
  std::set<std::string> notes;
  for (const auto& r : results) {
    for (const auto& f : r.failures)
      fmt::print("FAIL {} ({}): {}\n", r.check, r.variant, f);
    if (r.failed() && r.failures.empty())
      fmt::print("FAIL {} ({}): the check ended without a result\n", r.check, r.variant);
    if (!r.note.empty()) notes.insert(fmt::format("note {}: {}", r.check, r.note));
  }
  for (const auto& n : notes)
    fmt::print("{}\n", n);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs ClusterLab's pitfall checks on real processes.", "harness"};
  app.footer(
      "Ctrl-C, SIGTERM or SIGHUP kill every process the checks started, then the harness exits\n"
      "  128 + the signal's number.\n"
      "Exit status: 0 every check passed, 1 a check failed, 2 bad usage.");
  app.require_subcommand(1);
  auto* list = app.add_subcommand("list", "list the checks and their claims");
  auto* run = app.add_subcommand("run", "run checks (all when none is named)");
  std::vector<std::string> names, policies;
  int workers = 2;
  bool json = false, private_network = false;
  std::string programs = clab::proc::own_directory();
  run->add_option("checks", names, "checks to run");
  run->add_option("--policy", policies, "listen policies to run against (default: all)")
      ->check(CLI::IsMember({"round-robin", "shared", "reuseport"}));
  run->add_option("--workers", workers, "workers per cluster")->check(CLI::Range(2, 64));
  run->add_flag("--json", json, "print results as JSON");
  run->add_option("--programs", programs,
                  "where native-cluster, pm and the other programs the checks run are (an "
                  "exercise puts its own program there)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  // Internal: how a check's migration variant runs itself in a network namespace.
  run->add_flag("--private-network", private_network,
                "run inside a new network namespace with tcp_migrate_req on (needs root)")
      ->group("");
  if (auto exit_status = clab::cli::parse(app, argc, argv)) return *exit_status;

  auto checks = harness::all_checks();
  if (list->parsed()) {
    clab::TextTable table({"check", "claim"});
    for (const auto& c : checks)
      table.add_row({c->name(), c->claim()});
    table.print();
    return 0;
  }

  std::set<std::string> known;
  for (const auto& c : checks)
    known.insert(c->name());
  for (const auto& n : names) {
    if (!known.count(n)) {
      fmt::print(stderr, "harness: unknown check '{}' (see harness list)\n", n);
      return clab::cli::kExitUsage;
    }
  }
  harness::CheckContext context;
  if (private_network) {
    // Before any thread starts: a namespace is entered by one thread, not the process.
    if (auto entered = harness::enter_private_network(); !entered) {
      fmt::print(stderr, "harness: {}\n", entered.error().message);
      return harness::kExitNoPrivateNetwork;
    }
    context.private_network = true;
  }
  // Before any check's thread: Ctrl-C, SIGTERM or SIGHUP kill every cluster and server the
  // checks started (each in a process group of its own, out of the terminal's reach).
  auto watch = clab::proc::TerminationWatch::start([](int signal) {
    const std::size_t groups = clab::proc::ChildProcess::signal_every_group(SIGKILL);
    std::fprintf(stderr, "\nharness: %s: killed the %zu process groups the checks had started\n",
                 clab::proc::signal_name(signal).c_str(), groups);
    ::_exit(clab::proc::exit_status_for_signal(signal));
  });
  if (!watch) {
    fmt::print(stderr, "harness: {}\n", watch.error().message);
    return 1;
  }
  context.bin_dir = programs;
  context.workers = workers;
  if (!policies.empty()) {
    context.policies.clear();
    for (const auto& p : policies)
      context.policies.push_back(*clab::cluster::parse_listen_policy(p));
  }

  std::vector<harness::CheckResult> results;
  for (const auto& check : checks) {
    if (!names.empty() && std::find(names.begin(), names.end(), check->name()) == names.end())
      continue;
    if (!json) fmt::print(stderr, "running {}...\n", check->name());
    const auto start = std::chrono::steady_clock::now();
    auto check_results = check->run(context);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto& r : check_results) {
      // Checks that run variants in parallel time each one; the others share the total.
      if (r.seconds == 0) r.seconds = seconds / static_cast<double>(check_results.size());
      results.push_back(std::move(r));
    }
  }

  const auto failed =
      std::count_if(results.begin(), results.end(), [](auto& r) { return r.failed(); });
  const auto skipped =
      std::count_if(results.begin(), results.end(), [](auto& r) { return r.skipped; });
  if (json) {
    nlohmann::json out = {{"passed", failed == 0}, {"results", nlohmann::json::array()}};
    for (const auto& r : results)
      out["results"].push_back(r.to_json());
    fmt::print("{}\n", out.dump(2));
  } else {
    print_table(results);
    fmt::print("harness: {} passed, {} failed{}\n",
               results.size() - static_cast<std::size_t>(failed + skipped), failed,
               skipped > 0 ? fmt::format(", {} skipped", skipped) : std::string());
  }
  return failed == 0 ? 0 : 1;
}
