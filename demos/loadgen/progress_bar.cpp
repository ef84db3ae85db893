#include "progress_bar.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace clab::loadgen {

ProgressBar::ProgressBar(const load::LoadProgress& progress, double total_seconds,
                         std::uint64_t total_requests)
    : progress_(progress), total_seconds_(total_seconds), total_requests_(total_requests) {
  thread_ = std::thread([this] { draw_loop(); });
}

ProgressBar::~ProgressBar() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void ProgressBar::draw_loop() {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_time = start;
  std::uint64_t last_count = 0;
  double rate = 0;
  constexpr int kWidth = 30;
  std::unique_lock lock(mutex_);
  while (!stop_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; })) {
    const auto now = Clock::now();
    const std::uint64_t count = progress_.responses();
    const double dt = std::chrono::duration<double>(now - last_time).count();
    if (dt > 0) rate = static_cast<double>(count - last_count) / dt;
    last_time = now;
    last_count = count;
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const double done = total_seconds_ > 0
                            ? elapsed / total_seconds_
                            : static_cast<double>(count) /
                                  static_cast<double>(std::max<std::uint64_t>(1, total_requests_));
    const int filled = std::clamp(static_cast<int>(done * kWidth), 0, kWidth);
    const std::string bar = std::string(static_cast<std::size_t>(filled), '=') +
                            std::string(static_cast<std::size_t>(kWidth - filled), ' ');
    std::fprintf(stderr, "\r\033[Krunning [%s] %5.1fs  %llu requests  %.0f req/s", bar.c_str(),
                 elapsed, static_cast<unsigned long long>(count), rate);
    std::fflush(stderr);
  }
}

}  // namespace clab::loadgen
