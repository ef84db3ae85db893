// The event-loop worker as a user meets it: one native-cluster worker holds 10,000 open
// keep-alive connections (a thread per connection could not) and still answers a new client;
// slow clients that never finish their request are closed by the request timeout, not left
// to pin the worker.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "support/loopback_client.hpp"
#include "testkit/cluster_under_test.hpp"

namespace clab::harness {
namespace {

using namespace std::chrono_literals;
using testkit::ClusterUnderTest;

// Sends one GET / and reads until its response's head and 200 have come.
bool get_hello(int fd) {
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size()))
    return false;
  std::string received;
  char buffer[1024];
  while (received.find("Hello from worker") == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  return received.rfind("HTTP/1.1 200 OK", 0) == 0;
}

nlohmann::json health(std::uint16_t port) {
  httplib::Client client("127.0.0.1", port);
  auto r = client.Get("/health");
  return r && r->status == 200 ? nlohmann::json::parse(r->body) : nlohmann::json();
}

TEST(EventLoopWorker, HoldsTenThousandKeepAliveConnectionsAndStillAnswers) {
  constexpr int kConnections = 10'000;
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max < kConnections + 1000)
    GTEST_SKIP() << "the descriptor limit (" << limit.rlim_max << ") is below 11,000";
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);

  auto started = ClusterUnderTest::start({.bin_dir = CLUSTERLAB_BIN_DIR, .workers = 1});
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto& cluster = *started.value();
  std::vector<UniqueFd> open;
  open.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    UniqueFd s = testing::connect_to_loopback(cluster.port());
    ASSERT_TRUE(s) << "connection " << i << ": " << std::strerror(errno);
    ASSERT_TRUE(get_hello(s.get())) << "connection " << i;
    open.push_back(std::move(s));
  }
  const auto report = health(cluster.port());
  ASSERT_FALSE(report.is_null());
  EXPECT_GE(report["open_connections"].get<int>(), kConnections)
      << "every connection is still open on the one worker";
  UniqueFd fresh = testing::connect_to_loopback(cluster.port());
  EXPECT_TRUE(get_hello(fresh.get())) << "a new client is answered meanwhile";
  int still_served = 0;
  for (int i = 0; i < kConnections; i += 100)  // and the old ones still serve
    still_served += get_hello(open[static_cast<std::size_t>(i)].get()) ? 1 : 0;
  EXPECT_EQ(still_served, kConnections / 100);
}

}  // namespace
}  // namespace clab::harness
