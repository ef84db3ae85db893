#include "load/load_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/text_table.hpp"

namespace clab::load {
namespace {

constexpr double kLatencyPercentiles[] = {0.1, 1,    2.5, 10,   25,    50,    75,
                                          90,  97.5, 99,  99.9, 99.99, 99.999};

double sorted_percentile(const std::vector<std::uint64_t>& sorted, double percent) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(
      std::max(1.0, std::ceil(percent / 100.0 * static_cast<double>(sorted.size()))));
  return static_cast<double>(sorted[std::min(rank, sorted.size()) - 1]);
}

std::string percent_key(double p) {
  std::string text = fmt::format("p{}", p);
  std::replace(text.begin(), text.end(), '.', '_');
  return text;
}

}  // namespace

SampleSummary summarize(const std::vector<std::uint64_t>& samples) {
  SampleSummary s;
  if (samples.empty()) return s;
  std::vector<std::uint64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0, squares = 0;
  for (auto v : sorted) {
    sum += static_cast<double>(v);
    squares += static_cast<double>(v) * static_cast<double>(v);
    s.total += v;
  }
  const double n = static_cast<double>(sorted.size());
  s.mean = sum / n;
  s.stddev = sorted.size() > 1 ? std::sqrt(std::max(0.0, squares / n - s.mean * s.mean)) : 0;
  s.p1 = sorted_percentile(sorted, 1);
  s.p2_5 = sorted_percentile(sorted, 2.5);
  s.p50 = sorted_percentile(sorted, 50);
  s.p97_5 = sorted_percentile(sorted, 97.5);
  s.min = static_cast<double>(sorted.front());
  s.max = static_cast<double>(sorted.back());
  return s;
}

double jain_fairness(const std::vector<double>& shares) {
  if (shares.empty()) return 0;
  double sum = 0, squares = 0;
  for (double x : shares) {
    sum += x;
    squares += x * x;
  }
  return squares == 0 ? 0 : sum * sum / (static_cast<double>(shares.size()) * squares);
}

std::string format_ms(double micros) {
  const double ms = micros / 1000.0;
  if (ms >= 100) return fmt::format("{:.0f} ms", ms);
  return fmt::format("{:.2f} ms", ms);
}

std::string format_bytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.2f} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{:.0f} B", bytes);
}

std::string format_count(double count) {
  if (count >= 1e6) return fmt::format("{:.1f}M", count / 1e6);
  if (count >= 1e4) return fmt::format("{:.0f}k", count / 1e3);
  if (count >= 1e3) return fmt::format("{:.1f}k", count / 1e3);
  return fmt::format("{:.0f}", count);
}

std::string render_report(const LoadOptions& options, const LoadResult& result,
                          ReportOptions report) {
  using Align = TextTable::Align;
  const auto& s = result.stats;
  const auto& h = s.latency;
  std::string out;
  out += options.amount > 0
             ? fmt::format("Running {} requests test @ {}\n", options.amount, options.target.url())
             : fmt::format("Running {}s test @ {}\n", options.duration_s, options.target.url());
  out += fmt::format("{} connections", options.connections);
  if (options.pipelining > 1) out += fmt::format(" with {} pipelining factor", options.pipelining);
  if (options.threads > 1) out += fmt::format(", {} threads", options.threads);
  if (options.overall_rate > 0) out += fmt::format(", {} requests/s overall", options.overall_rate);
  if (options.connection_rate > 0) {
    out += fmt::format(", {} requests/s per connection", options.connection_rate);
  }
  out += "\n\n";

  TextTable latency({"Stat", "2.5%", "50%", "97.5%", "99%", "Avg", "Stdev", "Max"},
                    {Align::Left, Align::Right, Align::Right, Align::Right, Align::Right,
                     Align::Right, Align::Right, Align::Right});
  latency.add_row({"Latency", format_ms(h.percentile(2.5)), format_ms(h.percentile(50)),
                   format_ms(h.percentile(97.5)), format_ms(h.percentile(99)), format_ms(h.mean()),
                   format_ms(h.stddev()), format_ms(static_cast<double>(h.max()))});
  out += latency.render(TextTable::Style::Boxed);

  const auto rps = summarize(s.requests_per_second);
  const auto bps = summarize(s.bytes_per_second);
  TextTable throughput({"Stat", "1%", "2.5%", "50%", "97.5%", "Avg", "Stdev", "Min"},
                       {Align::Left, Align::Right, Align::Right, Align::Right, Align::Right,
                        Align::Right, Align::Right, Align::Right});
  auto count = [](double v) { return fmt::format("{:.0f}", v); };
  throughput.add_row({"Req/Sec", count(rps.p1), count(rps.p2_5), count(rps.p50), count(rps.p97_5),
                      fmt::format("{:.1f}", rps.mean), fmt::format("{:.1f}", rps.stddev),
                      count(rps.min)});
  throughput.add_row({"Bytes/Sec", format_bytes(bps.p1), format_bytes(bps.p2_5),
                      format_bytes(bps.p50), format_bytes(bps.p97_5), format_bytes(bps.mean),
                      format_bytes(bps.stddev), format_bytes(bps.min)});
  out += "\n" + throughput.render(TextTable::Style::Boxed);
  out += fmt::format("\nReq/Bytes counts sampled once per second.\n# of samples: {}\n",
                     s.requests_per_second.size());

  if (report.full_latency) {
    TextTable full({"Percentile", "Latency"}, {Align::Right, Align::Right});
    for (double p : kLatencyPercentiles)
      full.add_row({fmt::format("{}%", p), format_ms(h.percentile(p))});
    out += "\n" + full.render(TextTable::Style::Boxed);
  }
  if (options.rate_limited()) {
    out += options.ignore_coordinated_omission
               ? "\nLatency is measured from each request's actual send time (-C): a stalled "
                 "server's queueing is not counted.\n"
               : "\nLatency is measured from each request's intended send time (coordinated "
                 "omission corrected, as wrk2 does).\n";
  }
  if (!s.by_worker.empty()) {
    std::uint64_t total = 0;
    std::vector<double> shares;
    for (const auto& [id, n] : s.by_worker)
      total += n;
    TextTable workers({"Worker", "Requests", "Share"}, {Align::Right, Align::Right, Align::Right});
    for (const auto& [id, n] : s.by_worker) {
      shares.push_back(static_cast<double>(n));
      workers.add_row(
          {std::to_string(id), std::to_string(n),
           fmt::format("{:.1f}%", 100.0 * static_cast<double>(n) / static_cast<double>(total))});
    }
    out += "\n" + workers.render(TextTable::Style::Boxed);
    out += fmt::format("Jain's fairness index: {:.4f} (1 = every worker served the same share)\n",
                       jain_fairness(shares));
  }
  if (report.status_codes && !s.status_codes.empty()) {
    TextTable codes({"Code", "Count"}, {Align::Left, Align::Right});
    for (const auto& [code, n] : s.status_codes)
      codes.add_row({std::to_string(code), std::to_string(n)});
    out += "\n" + codes.render(TextTable::Style::Boxed);
  }
  out += fmt::format("\n{} requests in {:.2f}s, {} read\n",
                     format_count(static_cast<double>(s.responses)), result.elapsed_s,
                     format_bytes(static_cast<double>(s.bytes_read)));
  if (s.errors + s.connect_errors + s.timeouts > 0) {
    out += fmt::format("{} errors ({} timeouts, {} connection failures)\n",
                       s.errors + s.connect_errors + s.timeouts, s.timeouts, s.connect_errors);
    for (const auto& e : s.error_samples)
      out += fmt::format("  {}\n", e);
  }
  if (s.non_2xx > 0)
    out +=
        fmt::format("{} 2xx responses, {} non 2xx responses\n", s.responses - s.non_2xx, s.non_2xx);
  if (result.bailed_out) out += fmt::format("Bailed out after {} errors (-B)\n", options.bailout);
  return out;
}

nlohmann::json report_json(const LoadOptions& options, const LoadResult& result) {
  const auto& s = result.stats;
  const auto& h = s.latency;
  nlohmann::json latency = {{"average", h.mean() / 1000.0},
                            {"mean", h.mean() / 1000.0},
                            {"stddev", h.stddev() / 1000.0},
                            {"min", static_cast<double>(h.min()) / 1000.0},
                            {"max", static_cast<double>(h.max()) / 1000.0},
                            {"unit", "ms"},
                            {"totalCount", h.count()}};
  for (double p : kLatencyPercentiles)
    latency[percent_key(p)] = h.percentile(p) / 1000.0;
  auto samples = [](const SampleSummary& x) {
    return nlohmann::json{{"average", x.mean}, {"mean", x.mean}, {"stddev", x.stddev},
                          {"min", x.min},      {"max", x.max},   {"total", x.total},
                          {"p1", x.p1},        {"p2_5", x.p2_5}, {"p50", x.p50},
                          {"p97_5", x.p97_5}};
  };
  nlohmann::json workers = nlohmann::json::array();
  std::vector<double> shares;
  std::uint64_t total = 0;
  for (const auto& [id, n] : s.by_worker)
    total += n;
  for (const auto& [id, n] : s.by_worker) {
    shares.push_back(static_cast<double>(n));
    workers.push_back({{"id", id},
                       {"requests", n},
                       {"share", static_cast<double>(n) / static_cast<double>(total)}});
  }
  nlohmann::json codes = nlohmann::json::object();
  for (const auto& [code, n] : s.status_codes)
    codes[std::to_string(code)] = n;
  return {{"url", options.target.url()},
          {"connections", options.connections},
          {"pipelining", options.pipelining},
          {"threads", options.threads},
          {"duration", result.elapsed_s},
          {"start", result.start_ms},
          {"finish", result.finish_ms},
          {"overallRate", options.overall_rate},
          {"connectionRate", options.connection_rate},
          {"coordinatedOmissionCorrected",
           options.rate_limited() && !options.ignore_coordinated_omission},
          {"latency", latency},
          {"requests", samples(summarize(s.requests_per_second))},
          {"throughput", samples(summarize(s.bytes_per_second))},
          {"sent", s.sent},
          {"responses", s.responses},
          {"errors", s.errors + s.connect_errors + s.timeouts},
          {"requestErrors", s.errors},
          {"connectErrors", s.connect_errors},
          {"timeouts", s.timeouts},
          {"unansweredAtEnd", s.unanswered_at_end},
          {"non2xx", s.non_2xx},
          {"bytesRead", s.bytes_read},
          {"reconnects", s.reconnects},
          {"statusCodeStats", codes},
          {"workers", workers},
          {"fairness",
           shares.empty() ? nlohmann::json(nullptr) : nlohmann::json(jain_fairness(shares))},
          {"errorSamples", s.error_samples},
          {"bailedOut", result.bailed_out}};
}

}  // namespace clab::load
