#include "http/worker_app.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "served_on_loopback.hpp"

namespace clab::http {
namespace {

// WorkerApp on a port-0 socket, in each serving model.
class AppOnLoopback : public ::testing::TestWithParam<ServingModel> {
 protected:
  void SetUp() override {
    served_ =
        std::make_unique<testing::ServedOnLoopback>(GetParam(), [this](cluster::EventLoop* loop) {
          auto app = std::make_shared<WorkerApp>(WorkerIdentity{.id = 7, .pid = ::getpid()},
                                                 ConnectionSettings{}, GetParam(), loop);
          app_ = app.get();
          return std::shared_ptr<HttpServer>(app, &app->server());
        });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", served_->port);
  }
  void TearDown() override { served_.reset(); }

  std::unique_ptr<testing::ServedOnLoopback> served_;
  WorkerApp* app_ = nullptr;
  std::unique_ptr<httplib::Client> client_;
};

TEST_P(AppOnLoopback, EveryResponseNamesTheWorker) {
  for (const char* path : {"/", "/health", "/count", "/work?ms=1", "/sleep?ms=1", "/nope"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->get_header_value("X-Worker-Id"), "7") << path;
    EXPECT_EQ(r->get_header_value("X-Worker-Pid"), std::to_string(::getpid())) << path;
  }
}

TEST_P(AppOnLoopback, CountIsThisProcesssOwnCounter) {
  for (int i = 1; i <= 3; ++i) {
    auto r = client_->Get("/count");
    ASSERT_TRUE(r);
    EXPECT_EQ(nlohmann::json::parse(r->body)["count"], i);
  }
  EXPECT_EQ(app_->count(), 3u);
}

TEST_P(AppOnLoopback, WorkBurnsAtLeastTheRequestedTime) {
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

class AppBadQuery : public ::testing::TestWithParam<std::tuple<ServingModel, BadQuery>> {};

TEST_P(AppBadQuery, GetsA400WithTheReason) {
  const auto& [model, c] = GetParam();
  testing::ServedOnLoopback served(model, [&](cluster::EventLoop* loop) {
    auto owned = std::make_shared<WorkerApp>(WorkerIdentity{.id = 7, .pid = ::getpid()},
                                             ConnectionSettings{}, model, loop);
    return std::shared_ptr<HttpServer>(owned, &owned->server());
  });
  httplib::Client client("127.0.0.1", served.port);
  auto r = client.Get(c.path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const auto body = nlohmann::json::parse(r->body);
  EXPECT_NE(body["error"].get<std::string>().find(c.error_contains), std::string::npos) << r->body;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AppBadQuery,
    ::testing::Combine(::testing::Values(ServingModel::EventLoop, ServingModel::ThreadPool),
                       ::testing::Values(BadQuery{"/work?ms=abc",
                                                  "expected a whole number from 0 to 10000"},
                                         BadQuery{"/work?ms=-5", "out of range"},
                                         BadQuery{"/work?ms=99999999999", "out of range"},
                                         BadQuery{"/sleep?ms=60001", "expected 0 to 60000"},
                                         BadQuery{"/sleep?ms=", "expected a whole number"})));

TEST_P(AppOnLoopback, UnknownRouteIsA404InJson) {
  auto r = client_->Get("/missing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"], "no route for GET /missing");
}

// Starts `path` on its own connection and returns once the server has it in flight.
std::thread start_in_flight(std::uint16_t port, const HttpServer& server, const char* path,
                            std::atomic<bool>& answered) {
  std::thread client([port, path, &answered] {
    httplib::Client c("127.0.0.1", port);
    EXPECT_TRUE(c.Get(path));
    answered = true;
  });
  while (server.requests_in_flight() == 0 && !answered)
    std::this_thread::yield();
  return client;
}

// /sleep is a timer in the event loop model (a thread's sleep in the other): a /sleep in
// flight holds up no other request of the worker.
TEST_P(AppOnLoopback, SleepHoldsUpNoOtherRequest) {
  std::atomic<bool> slept{false};
  std::thread sleeping = start_in_flight(served_->port, *served_->server, "/sleep?ms=3000", slept);
  ASSERT_TRUE(client_->Get("/"));
  EXPECT_FALSE(slept) << "/ was answered while /sleep still waited";
  sleeping.join();
}

// /work computes on the serving thread: in the event loop model every other request of the
// worker waits for it (Node's pitfall); a thread per connection answers / meanwhile.
TEST_P(AppOnLoopback, WorkHoldsUpTheEventLoopButNotTheThreadPool) {
  std::atomic<bool> worked{false};
  std::thread working = start_in_flight(served_->port, *served_->server, "/work?ms=1500", worked);
  ASSERT_TRUE(client_->Get("/"));
  const bool blocked = served_->server->requests_in_flight() == 0;
  if (GetParam() == ServingModel::EventLoop)
    EXPECT_TRUE(blocked) << "/ was answered only after /work finished";
  else
    EXPECT_FALSE(blocked) << "/ was answered while /work still ran";
  working.join();
}

INSTANTIATE_TEST_SUITE_P(Models, AppOnLoopback,
                         ::testing::Values(ServingModel::EventLoop, ServingModel::ThreadPool),
                         testing::model_name);

}  // namespace
}  // namespace clab::http
