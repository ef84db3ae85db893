// Helpers the lifecycle checks share: waiting until a cluster has requests in flight, and
// collecting its events.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testkit/cluster_under_test.hpp"

namespace clab::harness {

using testkit::ClusterOptions;
using testkit::ClusterUnderTest;

// Polls /health on each of `workers` workers (round-robin: one fresh connection each)
// until their requests in flight add up to at least `count`; false at the deadline.
bool wait_for_requests_in_flight(std::uint16_t port, int workers, std::size_t count,
                                 std::chrono::milliseconds timeout);

// The next `count` events named `event` (each within `timeout`); fewer if they stop coming.
std::vector<nlohmann::json> collect_events(ClusterUnderTest& cluster, const std::string& event,
                                           std::size_t count, std::chrono::milliseconds timeout);

// Every event named `event` the cluster has printed so far, in order (whatever the cursor
// of wait_event()).
std::vector<nlohmann::json> events_so_far(ClusterUnderTest& cluster, const std::string& event);

// Milliseconds since the epoch, comparable with the events' time_ms.
std::int64_t wall_clock_ms();

// A fresh path for a file a check lets the cluster write (removed if it exists).
std::string scratch_file(const std::string& stem);

}  // namespace clab::harness
