// The serving models as a user meets them: one event-loop worker holds 10,000 open
// keep-alive connections (a thread per connection could not) and still answers a new client;
// slow clients that never finish their request are closed by the request timeout, not left
// to pin the worker.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

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

// Slowloris: 200 connections dribbling a request header one byte a second (nginx's
// client_header_timeout case). In the event loop model they cost a descriptor each and
// nothing else: every other client is answered before any of them is even timed out. In the
// thread model (50 threads) they hold every thread until the request timeout closes them,
// so other clients are answered late, but answered. Either way each slow connection ends
// with a 408 and an orderly close.
class SlowClients : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(SlowClients, AreClosedByTheRequestTimeoutAndDoNotStopOthers) {
  constexpr int kSlow = 200;
  std::vector<std::string> args = GetParam();
  args.insert(args.end(), {"--request-timeout", "1500"});
  auto started =
      ClusterUnderTest::start({.bin_dir = CLUSTERLAB_BIN_DIR, .workers = 1, .extra_args = args});
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto& cluster = *started.value();
  const bool event_loop = GetParam().empty();

  std::vector<UniqueFd> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(testing::connect_to_loopback(cluster.port()));
    ASSERT_TRUE(slow.back());
  }
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    const std::string header = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    for (std::size_t at = 0; at < header.size() && !stop; ++at) {
      for (auto& s : slow)
        (void)::send(s.get(), &header[at], 1, MSG_NOSIGNAL);
      // The pace of a slow client is the behaviour under test, not a wait for an event.
      for (int tick = 0; tick < 10 && !stop; ++tick)
        std::this_thread::sleep_for(100ms);
    }
  });

  httplib::Client client("127.0.0.1", cluster.port());
  client.set_read_timeout(20, 0);
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = client.Get("/");
    answered += r && r->status == 200 ? 1 : 0;
  }
  EXPECT_EQ(answered, 20) << "every other client is answered";
  if (event_loop) {
    int already_closed = 0;
    char byte;
    for (auto& s : slow)
      already_closed += ::recv(s.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 ? 1 : 0;
    EXPECT_EQ(already_closed, 0) << "the others were answered before any slow client timed out";
  }
  int timed_out = 0;
  for (auto& s : slow) {
    // The thread model reaches a queued connection only when a thread is free: its 408 comes
    // after several request timeouts.
    const timeval thirty_seconds{30, 0};
    ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &thirty_seconds, sizeof thirty_seconds);
    std::string received;
    char buffer[512];
    for (ssize_t n; (n = ::recv(s.get(), buffer, sizeof buffer, 0)) > 0;)
      received.append(buffer, static_cast<std::size_t>(n));
    timed_out += received.rfind("HTTP/1.1 408 Request Timeout", 0) == 0 ? 1 : 0;
  }
  stop = true;
  dribble.join();
  EXPECT_EQ(timed_out, kSlow) << "each slow connection got its 408 and an end of file";
}

INSTANTIATE_TEST_SUITE_P(Models, SlowClients,
                         ::testing::Values(std::vector<std::string>{},
                                           std::vector<std::string>{"--threads", "50"}),
                         [](const auto& info) {
                           return info.param.empty() ? "EventLoop" : "FiftyThreads";
                         });

}  // namespace
}  // namespace clab::harness
