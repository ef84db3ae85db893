// ProgressBar: while a load test runs, redraws one line on a terminal with the elapsed time
// and the current request rate. Never used when the output is not a terminal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "load/load_engine.hpp"

namespace clab::loadgen {

class ProgressBar {
 public:
  // total_seconds > 0: a time bar; else total_requests > 0: a count bar.
  ProgressBar(const load::LoadProgress& progress, double total_seconds,
              std::uint64_t total_requests);
  ~ProgressBar();  // stops and clears the line

 private:
  void draw_loop();

  const load::LoadProgress& progress_;
  double total_seconds_;
  std::uint64_t total_requests_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace clab::loadgen
