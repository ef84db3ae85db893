#include "http/worker_app.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "net/tcp_listener.hpp"

namespace clab::http {
namespace {

// WorkerApp on a port-0 socket, one accepted connection at a time.
class AppOnLoopback : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fd = net::bind_tcp("127.0.0.1", 0, {.nonblocking = false});
    ASSERT_TRUE(fd.ok());
    listener_ = std::move(fd.value());
    port_ = net::bound_port(listener_.get()).value();
    acceptor_ = std::thread([this] {
      for (;;) {
        UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!c) return;  // listener shut down
        app_.server().serve(std::move(c));
      }
    });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }
  void TearDown() override {
    ::shutdown(listener_.get(), SHUT_RDWR);
    acceptor_.join();
    app_.server().close_all();
  }

  WorkerApp app_{{.id = 7, .instance = 0, .pid = ::getpid()}};
  UniqueFd listener_;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(AppOnLoopback, EveryResponseNamesTheWorker) {
  for (const char* path : {"/", "/health", "/count", "/work?ms=1", "/sleep?ms=1", "/nope"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->get_header_value("X-Worker-Id"), "7") << path;
    EXPECT_EQ(r->get_header_value("X-Worker-Pid"), std::to_string(::getpid())) << path;
  }
}

TEST_F(AppOnLoopback, CountIsThisProcesssOwnCounter) {
  for (int i = 1; i <= 3; ++i) {
    auto r = client_->Get("/count");
    ASSERT_TRUE(r);
    EXPECT_EQ(nlohmann::json::parse(r->body)["count"], i);
  }
  EXPECT_EQ(app_.count(), 3u);
}

TEST_F(AppOnLoopback, WorkBurnsAtLeastTheRequestedTime) {
  const auto start = std::chrono::steady_clock::now();
  auto r = client_->Get("/work?ms=30");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
}

struct BadQuery {
  std::string path;
  std::string error_contains;
};
void PrintTo(const BadQuery& c, std::ostream* os) {
  *os << c.path;
}

class AppBadQuery : public AppOnLoopback, public ::testing::WithParamInterface<BadQuery> {};

TEST_P(AppBadQuery, GetsA400WithTheReason) {
  auto r = client_->Get(GetParam().path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const auto body = nlohmann::json::parse(r->body);
  EXPECT_NE(body["error"].get<std::string>().find(GetParam().error_contains), std::string::npos)
      << r->body;
}

INSTANTIATE_TEST_SUITE_P(Cases, AppBadQuery,
                         ::testing::Values(BadQuery{"/work?ms=abc",
                                                    "expected a whole number from 0 to 10000"},
                                           BadQuery{"/work?ms=-5", "out of range"},
                                           BadQuery{"/work?ms=99999999999", "out of range"},
                                           BadQuery{"/sleep?ms=60001", "expected 0 to 60000"},
                                           BadQuery{"/sleep?ms=", "expected a whole number"}));

TEST_F(AppOnLoopback, UnknownRouteIsA404InJson) {
  auto r = client_->Get("/missing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"], "no route for GET /missing");
}

}  // namespace
}  // namespace clab::http
