#include "http/connection_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <thread>

#include "cluster/listen_policy.hpp"

namespace clab::http {
namespace {

using namespace std::chrono_literals;

// A ConnectionServer fed by an accept loop on a port-0 socket, as a worker would be.
class ServedOnLoopback {
 public:
  explicit ServedOnLoopback(ConnectionSettings settings = {}) : server(settings) {
    auto fd = cluster::bind_tcp("127.0.0.1", 0, {});
    EXPECT_TRUE(fd.ok());
    listener_ = std::move(fd.value());
    port = cluster::bound_port(listener_.get()).value();
    server.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });
    acceptor_ = std::thread([this] {
      while (!stopping_) {
        UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (c)
          server.serve(std::move(c));
        else
          std::this_thread::yield();  // non-blocking listener: nothing pending
      }
    });
  }
  ~ServedOnLoopback() {
    stopping_ = true;
    acceptor_.join();
    server.close_all();
  }

  ConnectionServer server;
  std::uint16_t port = 0;

 private:
  UniqueFd listener_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
};

TEST(ConnectionServer, ServesHundredKeepAliveConnectionsOpenAtOnce) {
  ServedOnLoopback served;
  constexpr int kConnections = 100;
  std::mutex mutex;
  std::condition_variable cv;
  int first_done = 0;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", served.port);
      client.set_keep_alive(true);
      if (auto r = client.Get("/"); r && r->status == 200) ++ok;
      {
        std::unique_lock lock(mutex);
        ++first_done;
        cv.notify_all();
        // Every connection stays open until all have been answered once.
        cv.wait_for(lock, 20s, [&] { return first_done == kConnections; });
      }
      for (int j = 0; j < 4; ++j) {
        if (auto r = client.Get("/"); r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(first_done, kConnections);
  EXPECT_EQ(ok.load(), kConnections * 5);
}

TEST(ConnectionServer, AnswersPipelinedRequestsInOrder) {
  ServedOnLoopback served;
  served.server.Get("/n/(\\d+)", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("n=" + req.matches[1].str(), "text/plain");
  });
  UniqueFd s(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(served.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string requests =
      "GET /n/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /n/2 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /n/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(s.get(), requests.data(), requests.size(), 0),
            static_cast<ssize_t>(requests.size()));
  std::string received;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(s.get(), buffer, sizeof buffer, 0)) > 0;)
    received.append(buffer, n);
  const auto p1 = received.find("n=1"), p2 = received.find("n=2"), p3 = received.find("n=3");
  ASSERT_NE(p3, std::string::npos) << received;
  EXPECT_LT(p1, p2);
  EXPECT_LT(p2, p3);
}

TEST(ConnectionServer, ClosesAConnectionAtTheKeepAliveLimit) {
  ServedOnLoopback served({.keep_alive_max_requests = 3});
  httplib::Client client("127.0.0.1", served.port);
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(client.Get("/"));
  auto fourth = client.Get("/");  // the client reconnects after the server's Connection: close
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->status, 200);
}

TEST(ConnectionServer, CloseAllEndsIdleKeepAliveConnections) {
  auto served = std::make_unique<ServedOnLoopback>();
  httplib::Client client("127.0.0.1", served->port);
  client.set_keep_alive(true);
  ASSERT_TRUE(client.Get("/"));
  EXPECT_EQ(served->server.open_connections(), 1u);
  served->server.close_all();  // returns only when the idle connection's thread has ended
  EXPECT_EQ(served->server.open_connections(), 0u);
}

// Waits until the server is handling a request (or 5 s pass).
bool wait_for_a_request_in_flight(const ConnectionServer& server) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.requests_in_flight() == 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ConnectionServerDrain, FinishesInFlightClosesIdleAndAnswersWithConnectionClose) {
  ServedOnLoopback served;
  served.server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(300ms);
    res.set_content("done", "text/plain");
  });
  // One request in flight, one idle keep-alive connection.
  httplib::Client idle("127.0.0.1", served.port);
  idle.set_keep_alive(true);
  ASSERT_TRUE(idle.Get("/"));
  std::promise<httplib::Result> slow_result;
  std::thread slow([&] {
    httplib::Client c("127.0.0.1", served.port);
    c.set_keep_alive(true);
    slow_result.set_value(c.Get("/slow"));
  });
  ASSERT_TRUE(wait_for_a_request_in_flight(served.server));
  served.server.begin_drain();
  const auto report = served.server.wait_drained(5s);
  slow.join();
  EXPECT_TRUE(report.drained);
  EXPECT_TRUE(report.still_running.empty());
  auto result = slow_result.get_future().get();
  ASSERT_TRUE(result) << "the request in flight was answered";
  EXPECT_EQ(result->body, "done");
  EXPECT_EQ(result->get_header_value("Connection"), "close");
  EXPECT_EQ(served.server.open_connections(), 0u) << "the idle connection was closed too";
}

TEST(ConnectionServerDrain, ReportsWhatIsStillRunningAtTheDeadline) {
  ServedOnLoopback served;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  served.server.Get("/stuck", [released](const httplib::Request&, httplib::Response& res) {
    released.wait();
    res.set_content("late", "text/plain");
  });
  std::thread client([&] {
    httplib::Client c("127.0.0.1", served.port);
    (void)c.Get("/stuck?id=7");
  });
  ASSERT_TRUE(wait_for_a_request_in_flight(served.server));
  served.server.begin_drain();
  const auto report = served.server.wait_drained(100ms);
  EXPECT_FALSE(report.drained);
  ASSERT_EQ(report.still_running.size(), 1u);
  EXPECT_EQ(report.still_running[0].rfind("GET /stuck?id=7 (running ", 0), 0u)
      << report.still_running[0];
  release.set_value();
  client.join();
}

}  // namespace
}  // namespace clab::http
