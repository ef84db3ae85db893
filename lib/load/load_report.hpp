// The report of a load test, as autocannon prints it (latency, requests/s and bytes/s
// tables, a summary line, errors) plus what ClusterLab adds: the per-worker table from
// X-Worker-Id with Jain's fairness index, and a note when latency is corrected for
// coordinated omission. The same figures as JSON for programs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "load/load_engine.hpp"

namespace clab::load {

// Summary statistics of per-second samples (autocannon's Req/Sec and Bytes/Sec rows).
struct SampleSummary {
  double p1 = 0, p2_5 = 0, p50 = 0, p97_5 = 0, mean = 0, stddev = 0, min = 0, max = 0;
  std::uint64_t total = 0;
};
SampleSummary summarize(const std::vector<std::uint64_t>& samples);

// Jain's fairness index of per-worker counts: (Σx)² / (n·Σx²). 1 when every worker got the
// same share, 1/n when one worker got everything. 0 for no samples.
double jain_fairness(const std::vector<double>& shares);

struct ReportOptions {
  bool full_latency = false;  // -l: every percentile
  bool status_codes = false;  // --renderStatusCodes
};

std::string render_report(const LoadOptions& options, const LoadResult& result,
                          ReportOptions report = {});
nlohmann::json report_json(const LoadOptions& options, const LoadResult& result);

// "1.23 ms" for a latency given in microseconds.
std::string format_ms(double micros);
// "18.4 MB", "512 B" (decimal units, as autocannon prints).
std::string format_bytes(double bytes);
// "612k", "1.2M", "37".
std::string format_count(double count);

}  // namespace clab::load
