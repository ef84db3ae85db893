// MonitorServer as Prometheus, a program and a browser meet it: /metrics is an exposition
// promtool accepts, with a histogram whose buckets add up; /api/figures is the same figures
// as JSON; /api/events replays the timeline, then pushes figures and each new event.
#include "monitor/monitor_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include "loop_thread.hpp"
#include "loopback_client.hpp"
#include "monitor/prometheus_text.hpp"
#include "promtool.hpp"

namespace clab::monitor {
namespace {

using namespace std::chrono_literals;

std::vector<InstanceSource> two_instances() {
  const auto now = Clock::now();
  LatencyCounts counts{};
  counts[3] = 40;  // (0.25, 0.5] ms
  counts[8] = 2;   // (10, 25] ms
  InstanceSource serving{.app = "api \"v2\"",
                         .instance = 0,
                         .id = 1,
                         .status = "ready",
                         .pid = ::getpid(),
                         .started_at = now - 5s,
                         .heartbeat = {{"answered", 42},
                                       {"in_flight", 1},
                                       {"open_connections", 3},
                                       {"lag_ms", 0.5},
                                       {"latency_sum_ms", 80.0},
                                       {"latency_buckets", counts}},
                         .heartbeat_at = now};
  InstanceSource waiting{
      .app = "api \"v2\"", .instance = 1, .status = "waiting restart", .restarts = 3};
  return {serving, waiting};
}

TEST(PrometheusText, NamesUnitsAndAHistogramWhoseBucketsAddUp) {
  Sampler sampler;
  const std::string text = prometheus_text(sampler.sample(two_instances()));
  EXPECT_NE(
      text.find("# TYPE clusterlab_worker_requests_total counter\n"
                "clusterlab_worker_requests_total{app=\"api \\\"v2\\\"\",instance=\"0\"} 42\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("clusterlab_worker_up{app=\"api \\\"v2\\\"\",instance=\"1\"} 0"),
            std::string::npos);
  EXPECT_NE(text.find("clusterlab_worker_restarts_total{app=\"api \\\"v2\\\"\",instance=\"1\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("le=\"0.0005\"} 40\n"), std::string::npos) << "cumulative";
  EXPECT_NE(text.find("le=\"+Inf\"} 42\n"), std::string::npos);
  EXPECT_NE(text.find("clusterlab_worker_request_duration_seconds_count{app=\"api \\\"v2\\\"\","
                      "instance=\"0\"} 42"),
            std::string::npos);
  EXPECT_NE(text.find("clusterlab_worker_request_duration_seconds_sum{app=\"api \\\"v2\\\"\","
                      "instance=\"0\"} 0.08"),
            std::string::npos);
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_EQ(text.find("instance=\"1\"} 42"), std::string::npos) << "an empty slot has no requests";
  if (auto complaints = testing::promtool_complaints(text)) {
    EXPECT_EQ(*complaints, "") << text;
  }
}

class MonitorServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    monitor_.record({.kind = "start", .app = "api", .instance = 0, .pid = 11});
    auto started = MonitorServer::start(loop_.loop, monitor_, "127.0.0.1", 0);
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_ = std::move(started.value());
    loop_.start();
  }
  void TearDown() override {
    loop_.stop([this] { server_.reset(); });
  }

  Monitor monitor_{"test cluster", two_instances};
  testing::LoopThread loop_;
  std::unique_ptr<MonitorServer> server_;
};

TEST_F(MonitorServerTest, ServesMetricsThatPromtoolAccepts) {
  httplib::Client client("127.0.0.1", server_->port());
  auto r = client.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("clusterlab_worker_requests_total"), std::string::npos);
  if (auto complaints = testing::promtool_complaints(r->body)) {
    EXPECT_EQ(*complaints, "");
  }
}

TEST_F(MonitorServerTest, ServesTheFiguresAsJsonAndThePage) {
  httplib::Client client("127.0.0.1", server_->port());
  auto r = client.Get("/api/figures");
  ASSERT_TRUE(r);
  const auto figures = nlohmann::json::parse(r->body);
  EXPECT_EQ(figures["title"], "test cluster");
  ASSERT_EQ(figures["instances"].size(), 2u);
  EXPECT_EQ(figures["instances"][0]["requests"]["total"], 42);
  EXPECT_EQ(figures["instances"][1]["status"], "waiting restart");
  EXPECT_EQ(figures["timeline"][0]["kind"], "start");
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<title>ClusterLab: test cluster</title>"), std::string::npos);
  EXPECT_EQ(page->body.find("http://"), std::string::npos) << "nothing from elsewhere";
  auto missing = client.Get("/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

// Reads from an event stream until `text` has come (or 5 s).
std::string read_until(int fd, const std::string& text, std::string& received) {
  char buffer[4096];
  while (received.find(text) == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  return received;
}

TEST_F(MonitorServerTest, StreamsTheTimelineThenFiguresAndNewEvents) {
  UniqueFd s = testing::connect_to_loopback(server_->port());
  ASSERT_TRUE(s);
  const std::string request = "GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(s.get(), request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string received;
  read_until(s.get(), "event: figures\n", received);
  EXPECT_NE(received.find("Content-Type: text/event-stream"), std::string::npos);
  const auto history = received.find("event: timeline\ndata: {");
  ASSERT_NE(history, std::string::npos) << received;
  EXPECT_LT(history, received.find("event: figures\n")) << "the history comes first";

  loop_.call([this] {
    monitor_.record({.kind = "hung", .app = "api", .instance = 0, .pid = 11});
    return 0;
  });
  read_until(s.get(), "\"kind\":\"hung\"", received);
  EXPECT_NE(received.find("\"kind\":\"hung\""), std::string::npos);
  // And figures again, pushed on the server's own timer.
  const auto first = received.find("event: figures\n");
  received = received.substr(first + 1);
  read_until(s.get(), "event: figures\n", received);
  EXPECT_NE(received.find("event: figures\n"), std::string::npos);
}

}  // namespace
}  // namespace clab::monitor
