// classroom-bench: the classroom scaling benchmark. For each route (tiny, CPU-bound,
// waiting), each listen policy and 1..cores and 2x cores workers, it starts native-cluster,
// drives it with the load engine and prints one table (req/s, p50, p99, speed-up versus one
// worker). When `node` is on PATH, Node's cluster module serving the same routes
// (node_cluster.js, beside this program) gets rows of its own: the runtime the lessons are
// about, measured the same way. It writes classroom.csv, classroom.json, throughput.svg and
// latency.svg.
//
//   classroom-bench [--duration S] [--connections C] [--model M] [--threads N] [--close]
//                   [--out DIR]
// Exit status: 0 done, 1 a cluster did not start or a cell passed its physical ceiling,
// 2 usage.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include <unistd.h>

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
  std::string model = "event";  // native-cluster's serving model
  int threads = 0;              // the thread-pool model's threads per worker; 0: its default
  bool close = false;           // a connection per request
  bool thread_pool() const { return model == "threads"; }
};

// What serves the cells of a row: native-cluster with a listen policy, or Node's cluster.
const std::string kNode = "node";

// The physical limit of a cell: a waiting route gives each connection (or each request
// thread of the thread-pool model, when fewer) 1000 / ms requests a second; a CPU-bound one
// gives each core its workers can use 1000 / ms (an event loop uses one core per worker). A
// figure above it is a measurement bug, never a fast machine.
std::optional<double> ceiling_of(const std::string& route, const std::string& server, int workers,
                                 int cores, const Settings& settings) {
  const auto ms_of = [&](std::string_view prefix) -> std::optional<double> {
    if (!route.starts_with(prefix)) return std::nullopt;
    return std::stod(route.substr(prefix.size()));
  };
  const bool pooled = server != kNode && settings.thread_pool();
  const int threads_per_worker = settings.threads > 0 ? settings.threads : 512;
  if (auto ms = ms_of("/sleep?ms=")) {
    int servers = settings.connections;
    if (pooled) servers = std::min(servers, workers * threads_per_worker);
    return servers * 1000.0 / *ms;
  }
  if (auto ms = ms_of("/work?ms=")) {
    int usable = std::min(cores, pooled ? workers * threads_per_worker : workers);
    usable = std::min(usable, settings.connections);
    return usable * 1000.0 / *ms;
  }
  return std::nullopt;
}

// Node's cluster serving node_cluster.js on a free port, stopped (with its workers) on
// destruction.
class NodeCluster {
 public:
  NodeCluster(const std::string& bin_dir, int workers) {
    auto child = clab::proc::ChildProcess::spawn(
        {.argv = {"node", bin_dir + "/node_cluster.js", std::to_string(workers)}});
    if (!child) throw std::runtime_error(child.error().message);
    child_ = std::move(child.value());
    std::size_t cursor = 0;
    auto line =
        child_->wait_for_line(std::regex("^port (\\d+)$"), &cursor, std::chrono::seconds(10));
    if (!line) throw std::runtime_error("node_cluster.js did not report its port");
    port_ = static_cast<std::uint16_t>(std::stoi((*line)[1]));
  }
  std::uint16_t port() const { return port_; }

 private:
  std::unique_ptr<clab::proc::ChildProcess> child_;  // its destructor kills the group
  std::uint16_t port_ = 0;
};

bool node_available(const std::string& bin_dir) {
  if (!std::filesystem::exists(bin_dir + "/node_cluster.js")) return false;
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    if (::access((std::string(rest.substr(0, colon)) + "/node").c_str(), X_OK) == 0) return true;
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  }
  return false;
}

Cell measure(const std::string& bin_dir, const std::string& server, int workers,
             const std::string& route, const Settings& settings) {
  Cell cell{.route = route, .policy = server, .workers = workers};
  std::unique_ptr<clab::testkit::ClusterUnderTest> cluster;
  std::unique_ptr<NodeCluster> node;
  std::uint16_t port = 0;
  if (server == kNode) {
    node = std::make_unique<NodeCluster>(bin_dir, workers);
    port = node->port();
  } else {
    std::vector<std::string> extra = {"--model", settings.model};
    if (settings.threads > 0)
      extra.insert(extra.end(), {"--threads", std::to_string(settings.threads)});
    auto started = clab::testkit::ClusterUnderTest::start(
        {.bin_dir = bin_dir,
         .policy = *clab::cluster::parse_listen_policy(server),
         .workers = workers,
         .extra_args = extra});
    if (!started) throw std::runtime_error(started.error().message);
    cluster = std::move(started.value());
    port = cluster->port();
  }
  clab::load::LoadOptions options;
  options.target = clab::load::parse_url(fmt::format("http://127.0.0.1:{}{}", port, route)).value();
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
  if (cluster) (void)cluster->stop();
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
    for (const char* policy : {"round-robin", "shared", "reuseport", "node"}) {
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
      if (rps.points.empty()) continue;  // no Node on this machine
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
  app.add_option("--model", settings.model,
                 "native-cluster's serving model: event (one thread per worker, as Node) or "
                 "threads (a thread per connection)")
      ->check(CLI::IsMember({"event", "threads"}))
      ->capture_default_str();
  app.add_option("--threads", settings.threads,
                 "the thread-pool model's threads per worker (implies --model threads)")
      ->check(CLI::Range(1, 100000));
  app.add_flag("--close", settings.close, "a new connection per request (Connection: close)");
  app.add_option("--out", out, "where the CSV, JSON and SVG files go")->capture_default_str();
  if (auto exit_status = clab::cli::parse(app, argc, argv)) return *exit_status;
  if (settings.threads > 0) settings.model = "threads";

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<int> worker_counts;
  for (int w = 1; w <= cores; ++w)
    worker_counts.push_back(w);
  worker_counts.push_back(2 * cores);
  std::filesystem::create_directories(out);

  std::vector<std::string> servers = {"round-robin", "shared", "reuseport"};
  if (node_available(bin_dir)) servers.push_back(kNode);
  std::vector<Cell> cells;
  const std::size_t total = kRoutes.size() * servers.size() * worker_counts.size();
  try {
    for (const auto& [route, label] : kRoutes) {
      for (const auto& server : servers) {
        double base = 0;
        for (int workers : worker_counts) {
          fmt::print(stderr, "\r\033[K[{}/{}] {} {} workers={}", cells.size() + 1, total, route,
                     server, workers);
          Cell cell = measure(bin_dir, server, workers, route, settings);
          cell.ceiling = ceiling_of(route, server, workers, cores, settings);
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
      {"route", "server", "workers", "req/s", "ceiling", "p50", "p99", "vs 1 worker", "errors"},
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
  fmt::print("Classroom benchmark: {} {} connections, {} s per cell, {} cores, {}{}\n\n",
             settings.connections, settings.close ? "connection-per-request" : "keep-alive",
             settings.duration, cores,
             settings.thread_pool()
                 ? fmt::format("native-cluster --model threads ({} threads per worker)",
                               settings.threads > 0 ? settings.threads : 512)
                 : std::string("native-cluster --model event (one thread per worker)"),
             servers.back() == kNode ? "; node: Node's cluster module, node_cluster.js" : "");
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
