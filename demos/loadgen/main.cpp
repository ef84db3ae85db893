// loadgen: an HTTP load generator with autocannon's flags and report and wrk's engine.
//
//   loadgen [-c 10] [-d 10 | -a N] [-p 1] [-w 1] [-R rate | -r rate] URL
//
// Exit status: 0 the run completed, 1 the run bailed out (-B), 2 usage, an unreachable
// target or more connections than file descriptors. A server that dies during the run does not stop
// it: its errors are counted.
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <optional>

#include "cli/cli_error.hpp"
#include "load/load_engine.hpp"
#include "load/load_report.hpp"
#include "load/request_syntax.hpp"
#include "proc/descriptor_limit.hpp"
#include "progress_bar.hpp"

namespace load = clab::load;

namespace {

// "Name: value" or "Name=value" -> {Name, value}.
std::optional<std::pair<std::string, std::string>> split_header(const std::string& text) {
  const auto at = text.find_first_of(":=");
  if (at == std::string::npos || at == 0) return std::nullopt;
  std::string value = text.substr(at + 1);
  value.erase(0, value.find_first_not_of(' '));
  return std::make_pair(text.substr(0, at), value);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"HTTP load generator: autocannon's flags and report, wrk's engine.", "loadgen"};
  app.footer(
      "Exit status: 0 the run completed (a server that died mid-run is counted, not fatal),\n"
      "  1 the run bailed out (-B), 2 bad flags, a bad URL, an unreachable target, or more\n"
      "  connections than the file descriptor limit allows (its soft limit is raised to the "
      "hard).");
  load::LoadOptions options;
  std::string url;
  std::vector<std::string> headers;
  bool json = false, no_progress = false, latency_table = false, status_codes = false;
  app.add_option("url", url,
                 "http://host[:port]/path; an IPv6 host in brackets: http://[::1]:8080/")
      ->required();
  app.add_option("-c,--connections", options.connections, "concurrent connections")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("-d,--duration", options.duration_s, "seconds to run")
      ->check(clab::cli::finite_range(0.001, 86400.0))
      ->capture_default_str();
  app.add_option("-a,--amount", options.amount, "requests to send in all (overrides -d)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  app.add_option("-p,--pipelining", options.pipelining, "requests in flight per connection")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("-w,--workers", options.threads, "threads generating load")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("-R,--overallRate", options.overall_rate,
                 "requests per second over all connections (constant throughput)")
      ->check(clab::cli::finite_range(0.001, 1e9));
  app.add_option("-r,--connectionRate", options.connection_rate,
                 "requests per second per connection")
      ->check(clab::cli::finite_range(0.001, 1e9));
  app.add_option("-t,--timeout", options.timeout_s, "seconds before a request counts as a timeout")
      ->check(clab::cli::finite_range(0.001, 3600.0))
      ->capture_default_str();
  app.add_option("-m,--method", options.method, "HTTP method")->capture_default_str();
  app.add_option("-H,--headers", headers, "request header 'Name: value' (repeatable)");
  app.add_option("-b,--body", options.body, "request body");
  app.add_option("-W,--warmup", options.warmup_s, "seconds of load before measuring")
      ->check(clab::cli::finite_range(0.0, 3600.0));
  app.add_option("-B,--bailout", options.bailout, "stop after this many errors");
  app.add_flag("-C,--ignoreCoordinatedOmission", options.ignore_coordinated_omission,
               "rate mode: measure latency from the actual send time");
  app.add_flag("-x,--excludeErrors", options.exclude_errors,
               "leave non-2xx responses out of latency and throughput");
  app.add_flag("-j,--json", json, "print the results as JSON");
  app.add_flag("-n,--no-progress", no_progress, "no progress bar");
  app.add_flag("-l,--latency", latency_table, "print every latency percentile");
  app.add_flag("--renderStatusCodes", status_codes, "print a table of status codes");
  if (auto exit_status = clab::cli::parse(app, argc, argv)) return *exit_status;

  auto usage_error = [](const std::string& message) {
    fmt::print(stderr, "loadgen: {}\n", message);
    return clab::cli::kExitUsage;
  };
  auto target = load::parse_url(url);
  if (!target) return usage_error(target.error().message);
  options.target = target.value();
  for (const auto& h : headers) {
    auto header = split_header(h);
    if (!header) return usage_error(fmt::format("-H '{}': expected 'Name: value'", h));
    options.headers.push_back(*header);
  }
  if (auto syntax = load::check_request_syntax(options.method, options.headers); !syntax) {
    return usage_error(syntax.error().message);
  }
  if (options.overall_rate > 0 && options.connection_rate > 0) {
    return usage_error("-R and -r: give one rate, overall or per connection, not both");
  }
  options.threads = std::min(options.threads, options.connections);
  // Each connection takes a descriptor; so do each thread's epoll, stdio and the probe.
  const std::size_t needed = static_cast<std::size_t>(options.connections + options.threads) + 16;
  if (const std::size_t limit = clab::proc::raise_descriptor_limit(); needed > limit) {
    return usage_error(fmt::format(
        "-c {}: needs about {} file descriptors, but the limit is {} even after raising the "
        "soft limit to the hard one (raise the hard limit: ulimit -Hn, or LimitNOFILE=)",
        options.connections, needed, limit));
  }

  auto address = load::resolve(options.target);
  if (!address) return usage_error(address.error().message);
  if (auto reachable =
          load::check_reachable(address.value(), options.target, std::chrono::seconds(3));
      !reachable) {
    return usage_error(reachable.error().message);
  }

  load::LoadProgress progress(options.threads);
  std::optional<clab::loadgen::ProgressBar> bar;
  if (!json && !no_progress && ::isatty(STDERR_FILENO)) {
    bar.emplace(progress, options.amount ? 0 : options.duration_s + options.warmup_s,
                options.amount);
  }
  auto result = load::run_load(options, &progress);
  bar.reset();
  if (!result) return usage_error(result.error().message);

  if (json) {
    fmt::print("{}\n", load::report_json(options, result.value()).dump());
  } else {
    fmt::print("{}",
               load::render_report(options, result.value(),
                                   {.full_latency = latency_table, .status_codes = status_codes}));
  }
  return result.value().bailed_out ? 1 : 0;
}
