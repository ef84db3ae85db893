// classroom-bench: the classroom scaling benchmark. For each route (tiny, CPU-bound,
// waiting), each listen policy and 1..cores and 2x cores workers, it starts native-cluster,
// drives it with the load engine and prints one table (req/s, p50, p99, speed-up versus one
// worker). It writes classroom.csv, classroom.json, throughput.svg and latency.svg.
//
//   classroom-bench [--duration S] [--connections C] [--threads N] [--close] [--out DIR]
// Exit status: 0 done, 1 a cluster did not start or a cell passed its physical ceiling,
// 2 usage.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "cli/cli_error.hpp"
#include "core/text_table.hpp"
#include "load/load_engine.hpp"
#include "proc/child_process.hpp"
#include "svg_chart.hpp"
#include "testkit/cluster_under_test.hpp"

namespace {

using clab::cluster::ListenPolicy;

struct Cell {
  std::string route;
  std::string policy;
  int workers = 0;
  double requests_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::uint64_t errors = 0;
  double speedup = 0;
  std::optional<double> ceiling;  // the most req/s the route can physically give
  bool over_ceiling() const { return ceiling && requests_per_second > *ceiling; }
};

const std::vector<std::pair<std::string, std::string>> kRoutes = {
    {"/", "tiny"}, {"/work?ms=2", "CPU-bound 2 ms"}, {"/sleep?ms=20", "waits 20 ms"}};

struct Settings {
  double duration = 3;
  int connections = 50;
  int threads = 0;     // request threads per worker; 0: native-cluster's default
  bool close = false;  // a connection per request
};

// The physical limit of a cell: a waiting route gives each connection (or each request
// thread, when fewer) 1000 / ms requests a second; a CPU-bound one gives each core that its
// workers can use 1000 / ms. A figure above it is a measurement bug, never a fast machine.
std::optional<double> ceiling_of(const std::string& route, int workers, int cores,
                                 const Settings& settings) {
  const auto ms_of = [&](std::string_view prefix) -> std::optional<double> {
    if (!route.starts_with(prefix)) return std::nullopt;
    return std::stod(route.substr(prefix.size()));
  };
  const bool single_threaded = settings.threads > 0;
  if (auto ms = ms_of("/sleep?ms=")) {
    int servers = settings.connections;
    if (single_threaded) servers = std::min(servers, workers * settings.threads);
    return servers * 1000.0 / *ms;
  }
  if (auto ms = ms_of("/work?ms=")) {
    int usable = single_threaded ? std::min(cores, workers * settings.threads) : cores;
    usable = std::min(usable, settings.connections);
    return usable * 1000.0 / *ms;
  }
  return std::nullopt;
}

Cell measure(const std::string& bin_dir, ListenPolicy policy, int workers, const std::string& route,
             const Settings& settings) {
  Cell cell{.route = route, .policy = std::string(to_string(policy)), .workers = workers};
  std::vector<std::string> extra;
  if (settings.threads > 0) extra = {"--threads", std::to_string(settings.threads)};
  auto cluster = clab::testkit::ClusterUnderTest::start(
      {.bin_dir = bin_dir, .policy = policy, .workers = workers, .extra_args = extra});
  if (!cluster) throw std::runtime_error(cluster.error().message);
  clab::load::LoadOptions options;
  options.target =
      clab::load::parse_url(fmt::format("http://127.0.0.1:{}{}", (*cluster)->port(), route))
          .value();
  options.connections = settings.connections;
  options.duration_s = settings.duration;
  options.warmup_s = 0.5;
  if (settings.close) options.headers.emplace_back("Connection", "close");
  auto result = clab::load::run_load(options);
  if (!result) throw std::runtime_error(result.error().message);
  const auto& s = result.value().stats;
  cell.requests_per_second = static_cast<double>(s.responses) / result.value().elapsed_s;
  cell.p50_ms = s.latency.percentile(50) / 1000;
  cell.p99_ms = s.latency.percentile(99) / 1000;
  cell.errors = s.errors + s.connect_errors + s.timeouts;
  (void)(*cluster)->stop();
  return cell;
}

void write_outputs(const std::string& dir, const std::vector<Cell>& cells,
                   const std::vector<int>& worker_counts) {
  std::ofstream csv(dir + "/classroom.csv");
  csv << "route,policy,workers,requests_per_second,p50_ms,p99_ms,speedup,errors\n";
  nlohmann::json json = nlohmann::json::array();
  for (const auto& c : cells) {
    csv << fmt::format("{},{},{},{:.1f},{:.3f},{:.3f},{:.3f},{}\n", c.route, c.policy, c.workers,
                       c.requests_per_second, c.p50_ms, c.p99_ms, c.speedup, c.errors);
    json.push_back({{"route", c.route},
                    {"policy", c.policy},
                    {"workers", c.workers},
                    {"requests_per_second", c.requests_per_second},
                    {"p50_ms", c.p50_ms},
                    {"p99_ms", c.p99_ms},
                    {"speedup", c.speedup},
                    {"errors", c.errors},
                    {"ceiling", c.ceiling ? nlohmann::json(*c.ceiling) : nlohmann::json()},
                    {"over_ceiling", c.over_ceiling()}});
  }
  std::ofstream(dir + "/classroom.json") << json.dump(2) << "\n";

  std::vector<clab::bench::Panel> throughput, latency;
  for (const auto& [route, label] : kRoutes) {
    clab::bench::Panel t{.title = fmt::format("{}  {}", route, label),
                         .x_label = "workers",
                         .y_label = "requests/s"};
    clab::bench::Panel l{.title = fmt::format("{}  {}", route, label),
                         .x_label = "workers",
                         .y_label = "latency (ms): p50 solid, p99 dashed"};
    int color = 0;
    for (const char* policy : {"round-robin", "shared", "reuseport"}) {
      clab::bench::Series rps{.name = policy, .color = color},
          p50{.name = fmt::format("{} p50", policy), .color = color},
          p99{.name = fmt::format("{} p99", policy), .dashed = true, .color = color};
      ++color;
      for (const auto& c : cells) {
        if (c.route != route || c.policy != policy) continue;
        rps.points.emplace_back(c.workers, c.requests_per_second);
        p50.points.emplace_back(c.workers, c.p50_ms);
        p99.points.emplace_back(c.workers, c.p99_ms);
      }
      t.series.push_back(rps);
      l.series.push_back(p50);
      l.series.push_back(p99);
    }
    throughput.push_back(t);
    latency.push_back(l);
  }
  (void)worker_counts;
  std::ofstream(dir + "/throughput.svg")
      << clab::bench::render_svg("Throughput vs workers", throughput);
  std::ofstream(dir + "/latency.svg")
      << clab::bench::render_svg("Latency percentiles vs workers", latency);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Classroom benchmark: throughput and latency per worker count and listen policy.",
               "classroom-bench"};
  Settings settings;
  const std::string bin_dir = clab::proc::own_directory();
  std::string out = bin_dir + "/../bench";
  app.add_option("--duration", settings.duration, "seconds measured per cell")
      ->check(clab::cli::finite_range(0.5, 600.0))
      ->capture_default_str();
  app.add_option("--connections", settings.connections, "concurrent connections")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--threads", settings.threads,
                 "request threads per worker (1: one request at a time, like a Node process)")
      ->check(CLI::Range(1, 100000));
  app.add_flag("--close", settings.close, "a new connection per request (Connection: close)");
  app.add_option("--out", out, "where the CSV, JSON and SVG files go")->capture_default_str();
  if (auto exit_status = clab::cli::parse(app, argc, argv)) return *exit_status;

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<int> worker_counts;
  for (int w = 1; w <= cores; ++w)
    worker_counts.push_back(w);
  worker_counts.push_back(2 * cores);
  std::filesystem::create_directories(out);

  std::vector<Cell> cells;
  const std::size_t total = kRoutes.size() * 3 * worker_counts.size();
  try {
    for (const auto& [route, label] : kRoutes) {
      for (auto policy :
           {ListenPolicy::RoundRobin, ListenPolicy::Shared, ListenPolicy::ReusePort}) {
        double base = 0;
        for (int workers : worker_counts) {
          fmt::print(stderr, "\r\033[K[{}/{}] {} {} workers={}", cells.size() + 1, total, route,
                     to_string(policy), workers);
          Cell cell = measure(bin_dir, policy, workers, route, settings);
          cell.ceiling = ceiling_of(route, workers, cores, settings);
          if (workers == 1) base = cell.requests_per_second;
          cell.speedup = base > 0 ? cell.requests_per_second / base : 0;
          cells.push_back(cell);
        }
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "\nclassroom-bench: {}\n", e.what());
    return 1;
  }
  fmt::print(stderr, "\r\033[K");

  using Align = clab::TextTable::Align;
  clab::TextTable table(
      {"route", "policy", "workers", "req/s", "ceiling", "p50", "p99", "vs 1 worker", "errors"},
      {Align::Left, Align::Left, Align::Right, Align::Right, Align::Right, Align::Right,
       Align::Right, Align::Right, Align::Right});
  std::size_t over = 0;
  for (const auto& c : cells) {
    over += c.over_ceiling() ? 1 : 0;
    table.add_row({c.route, c.policy, std::to_string(c.workers),
                   c.over_ceiling() ? std::string("OVER CEILING")
                                    : fmt::format("{:.0f}", c.requests_per_second),
                   c.ceiling ? fmt::format("{:.0f}", *c.ceiling) : std::string("-"),
                   fmt::format("{:.2f} ms", c.p50_ms), fmt::format("{:.2f} ms", c.p99_ms),
                   fmt::format("{:.2f}x", c.speedup), std::to_string(c.errors)});
  }
  fmt::print("Classroom benchmark: {} {} connections, {} s per cell, {} cores, {}\n\n",
             settings.connections, settings.close ? "connection-per-request" : "keep-alive",
             settings.duration, cores,
             settings.threads > 0 ? fmt::format("{} request thread(s) per worker", settings.threads)
                                  : std::string("threaded workers"));
  table.print();
  write_outputs(out, cells, worker_counts);
  if (over > 0) {
    fmt::print(
        "\n{} cell(s) measured above the physical ceiling: a measurement bug, not a "
        "fast machine. Their figures are left out of the table.\n",
        over);
  }
  fmt::print("\nWrote {0}/classroom.csv, {0}/classroom.json, {0}/throughput.svg, {0}/latency.svg\n",
             out);
  return over > 0 ? 1 : 0;
}
