// BackgroundLoad: loadgen's engine driving keep-alive connections at full rate on a thread
// of its own for a fixed time, while a check does something to the server (reloads it,
// restarts it, lets it leak). failed() counts every request without a 2xx response.
#pragma once

#include <cstdint>
#include <string>
#include <thread>

#include "load/load_engine.hpp"
#include "load/url.hpp"

namespace clab::harness {

class BackgroundLoad {
 public:
  BackgroundLoad(std::uint16_t port, int connections, double seconds, double timeout_s = 10);
  ~BackgroundLoad();
  BackgroundLoad(const BackgroundLoad&) = delete;
  BackgroundLoad& operator=(const BackgroundLoad&) = delete;

  // Waits for the end of the run.
  void finish();
  std::uint64_t responses() const { return stats_.responses; }
  const load::LoadStats& stats() const { return stats_; }  // after finish()
  // Errors, failed connections, timeouts and non-2xx answers.
  std::uint64_t failed() const;
  const std::string& error() const { return error_; }  // the run could not start

 private:
  load::LoadStats stats_;
  std::string error_;
  std::thread thread_;
};

}  // namespace clab::harness
