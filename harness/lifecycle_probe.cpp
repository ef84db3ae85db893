#include "lifecycle_probe.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "http_probe.hpp"

namespace clab::harness {

bool wait_for_requests_in_flight(std::uint16_t port, int workers, std::size_t count,
                                 std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::size_t total = 0;
    for (int i = 0; i < workers; ++i) {
      const auto body = nlohmann::json::parse(fetch(port, "/health").body, nullptr, false);
      if (body.is_object()) total += body.value("requests_in_flight", std::size_t{0});
    }
    if (total >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval
  }
  return false;
}

std::vector<nlohmann::json> collect_events(ClusterUnderTest& cluster, const std::string& event,
                                           std::size_t count, std::chrono::milliseconds timeout) {
  std::vector<nlohmann::json> events;
  while (events.size() < count) {
    auto e = cluster.wait_event(event, timeout);
    if (!e) break;
    events.push_back(*e);
  }
  return events;
}

std::vector<nlohmann::json> events_so_far(ClusterUnderTest& cluster, const std::string& event) {
  std::vector<nlohmann::json> events;
  for (const auto& line : cluster.process().lines()) {
    auto e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_object() && e.value("event", "") == event) events.push_back(std::move(e));
  }
  return events;
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string scratch_file(const std::string& stem) {
  static std::atomic<int> counter{0};
  const auto path = std::filesystem::temp_directory_path() /
                    (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove(path);
  return path.string();
}

}  // namespace clab::harness
