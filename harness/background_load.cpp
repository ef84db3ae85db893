#include "background_load.hpp"

#include <fmt/format.h>

namespace clab::harness {

BackgroundLoad::BackgroundLoad(std::uint16_t port, int connections, double seconds,
                               double timeout_s) {
  load::LoadOptions options;
  options.target = load::parse_url(fmt::format("http://127.0.0.1:{}/", port)).value();
  options.connections = connections;
  options.duration_s = seconds;
  options.timeout_s = timeout_s;
  thread_ = std::thread([this, options] {
    auto result = load::run_load(options);
    if (result) {
      stats_ = result.value().stats;
    } else {
      error_ = result.error().message;
    }
  });
}

BackgroundLoad::~BackgroundLoad() {
  finish();
}

void BackgroundLoad::finish() {
  if (thread_.joinable()) thread_.join();
}

std::uint64_t BackgroundLoad::failed() const {
  return stats_.errors + stats_.connect_errors + stats_.timeouts + stats_.non_2xx +
         (error_.empty() ? 0 : 1);
}

}  // namespace clab::harness
