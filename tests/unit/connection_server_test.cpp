#include "http/connection_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <future>
#include <thread>

#include "net/tcp_listener.hpp"

namespace clab::http {
namespace {

using namespace std::chrono_literals;

// A ConnectionServer fed by an accept loop on a port-0 socket, as a worker would be.
class ServedOnLoopback {
 public:
  explicit ServedOnLoopback(ConnectionSettings settings = {}) : server(settings) {
    auto fd = net::bind_tcp("127.0.0.1", 0, {});
    EXPECT_TRUE(fd.ok());
    listener_ = std::move(fd.value());
    port = net::bound_port(listener_.get()).value();
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

// A raw client socket, for what httplib::Client hides: pipelining, resets, end of file.
UniqueFd connect_to(std::uint16_t port) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const timeval five_seconds{5, 0};  // a test that would hang fails instead
  ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  return s;
}

void send_all(int fd, const std::string& data) {
  ASSERT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
}

// Everything the server sends until it closes; *end_errno is 0 for an orderly end of file,
// else why reading stopped (ECONNRESET for a reset).
std::string read_until_closed(int fd, int* end_errno) {
  std::string received;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      received.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    *end_errno = n == 0 ? 0 : errno;
    return received;
  }
}

// How many whole responses (head and Content-Length body) `data` holds.
std::size_t complete_responses(const std::string& data) {
  std::size_t n = 0, at = 0;
  for (;;) {
    const auto head_end = data.find("\r\n\r\n", at);
    if (head_end == std::string::npos) return n;
    const auto length_at = data.find("Content-Length: ", at);
    std::size_t length = 0;
    if (length_at != std::string::npos && length_at < head_end)
      length = std::stoul(data.substr(length_at + 16));
    if (data.size() < head_end + 4 + length) return n;
    at = head_end + 4 + length;
    ++n;
  }
}

// Reads until `count` whole responses have come (or the server closes).
std::string read_responses(int fd, std::size_t count) {
  std::string received;
  char buffer[4096];
  while (complete_responses(received) < count) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  return received;
}

// Reads until a response's head has come, and no further: its body is still on its way.
std::string read_head(int fd) {
  std::string received;
  char buffer[4096];
  while (received.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  return received;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

const std::string kGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(ConnectionServer, AnswersPipelinedRequestsInOrder) {
  ServedOnLoopback served;
  served.server.Get("/n/(\\d+)", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("n=" + req.matches[1].str(), "text/plain");
  });
  UniqueFd s = connect_to(served.port);
  send_all(s.get(),
           "GET /n/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /n/2 HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /n/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  int end = 0;
  const std::string received = read_until_closed(s.get(), &end);
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

// Regression: a connection idle at the instant the drain began was closed at once, while
// under load the client's next request was already on the wire (the keep-alive close race):
// wrk counted 12-29 read errors per SIGTERM at full rate.
TEST(ConnectionServerDrain, AnIdleConnectionStillGetsTheRequestItSendsWithinTheGrace) {
  ServedOnLoopback served({.idle_grace = 5s});
  UniqueFd s = connect_to(served.port);
  send_all(s.get(), kGet);
  ASSERT_NE(read_responses(s.get(), 1).find("200 OK"), std::string::npos);
  served.server.begin_drain();  // the connection is idle now
  send_all(s.get(), kGet);      // and its next request arrives after the drain began
  int end = -1;
  const std::string second = read_until_closed(s.get(), &end);
  EXPECT_NE(second.find("200 OK"), std::string::npos) << second;
  EXPECT_NE(second.find("Connection: close"), std::string::npos) << second;
  EXPECT_EQ(end, 0) << "closed with an orderly end of file after the answer";
  s.reset();
  EXPECT_TRUE(served.server.wait_drained(5s).drained);
}

TEST(ConnectionServerDrain, AConnectionSilentPastTheGraceIsClosed) {
  ServedOnLoopback served({.idle_grace = 50ms});
  UniqueFd s = connect_to(served.port);
  send_all(s.get(), kGet);
  ASSERT_NE(read_responses(s.get(), 1).find("200 OK"), std::string::npos);
  served.server.begin_drain();
  int end = -1;
  EXPECT_EQ(read_until_closed(s.get(), &end), "") << "nothing more is sent";
  EXPECT_EQ(end, 0);
  s.reset();  // the server lingers until the client closes too
  EXPECT_TRUE(served.server.wait_drained(5s).drained);
}

TEST(ConnectionServerDrain, PipelinedRequestsReceivedBeforeTheDrainAreAllAnswered) {
  ServedOnLoopback served;
  served.server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(200ms);
    res.set_content("slow", "text/plain");
  });
  UniqueFd s = connect_to(served.port);
  send_all(s.get(), "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" + kGet + kGet);
  ASSERT_TRUE(wait_for_a_request_in_flight(served.server));
  served.server.begin_drain();
  int end = -1;
  const std::string received = read_until_closed(s.get(), &end);
  EXPECT_EQ(occurrences(received, "HTTP/1.1 200 OK"), 3u) << received;
  EXPECT_EQ(occurrences(received, "Connection: close"), 1u) << "only the last one ends it";
  EXPECT_GT(received.rfind("Connection: close"), received.rfind("slow"));
  EXPECT_EQ(end, 0);
}

// Closing a socket with unread input makes the kernel send a reset and drop what it has
// not sent yet: the tail of a large response. The server shuts its write side first and
// reads on until the client has read it all and closed.
TEST(ConnectionServer, ClosesWithoutAResetWhenTheClientSentMoreThanItWillRead) {
  ServedOnLoopback served({.keep_alive_max_requests = 1});
  const std::string body(8 << 20, 'b');  // more than the socket buffers hold
  served.server.Get("/big", [&body](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "text/plain");
  });
  UniqueFd s = connect_to(served.port);
  send_all(s.get(), "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  // While the body is still being written, the client sends more than it will read (a
  // request the server will never get to): unread input in the server's socket.
  std::string received = read_head(s.get());
  send_all(s.get(), std::string(64 * 1024, 'x'));
  int end = -1;
  received += read_until_closed(s.get(), &end);
  EXPECT_NE(received.find("Connection: close"), std::string::npos);
  EXPECT_EQ(received.size() - received.find("\r\n\r\n") - 4, body.size())
      << "the whole body arrived";
  EXPECT_EQ(end, 0) << "an orderly end of file, not " << std::strerror(end);
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
