// LoadStats: what one engine thread counted, and, after merge(), what the whole run did.
//
// Only requests sent after the warm-up are counted; the warm-up enters no figure.
// Invariant after a run: sent == responses + errors + timeouts + unanswered_at_end
// (connect failures are counted in connect_errors, not in sent).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "load/histogram.hpp"

namespace clab::load {

struct LoadStats {
  LatencyHistogram latency;  // µs
  std::uint64_t sent = 0;
  std::uint64_t responses = 0;
  std::uint64_t errors = 0;  // requests lost to a reset, a protocol error or a closed connection
  std::uint64_t connect_errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t unanswered_at_end = 0;
  std::uint64_t non_2xx = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t reconnects = 0;
  std::map<int, std::uint64_t> status_codes;
  std::map<int, std::uint64_t> by_worker;          // X-Worker-Id -> responses
  std::vector<std::uint64_t> requests_per_second;  // one sample per measured second
  std::vector<std::uint64_t> bytes_per_second;
  std::vector<std::string> error_samples;  // the first few error messages

  void merge(const LoadStats& other);
  void add_error_sample(std::string message);
};

}  // namespace clab::load
