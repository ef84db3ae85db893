// ServedOnLoopback: an HttpServer of either serving model on a port-0 socket, as a worker
// runs it: the event loop model on a loop thread that also accepts, the thread-pool model
// fed by an accept thread. The server itself is made by the test (`make`), so the same test
// can run a bare Router or a whole WorkerApp. on_server() runs a call where the model needs
// it: on the loop thread for the event loop (where wait_drained runs the loop itself), here
// for the thread pool.
#pragma once

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/event_loop.hpp"
#include "http/http_server.hpp"
#include "loop_thread.hpp"
#include "net/tcp_listener.hpp"

namespace clab::testing {

class ServedOnLoopback {
 public:
  // The server may share ownership of what holds it (a WorkerApp, say): it is released after
  // the serving thread ended and before the loop goes.
  using MakeServer = std::function<std::shared_ptr<http::HttpServer>(cluster::EventLoop*)>;

  ServedOnLoopback(http::ServingModel model, const MakeServer& make) : model_(model) {
    auto fd = net::bind_tcp("127.0.0.1", 0, {});
    EXPECT_TRUE(fd.ok());
    listener_ = std::move(fd.value());
    port = net::bound_port(listener_.get()).value();
    if (model_ == http::ServingModel::EventLoop) {
      server = make(&loop_.loop);
      (void)loop_.loop.add(listener_.get(), EPOLLIN, [this](std::uint32_t) {
        for (;;) {
          UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
          if (!c) return;
          server->serve(std::move(c));
        }
      });
      loop_.start();
    } else {
      server = make(nullptr);
      thread_ = std::thread([this] {
        while (!stopping_) {
          UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
          if (c)
            server->serve(std::move(c));
          else
            std::this_thread::yield();  // non-blocking listener: nothing pending
        }
      });
    }
  }

  ~ServedOnLoopback() {
    on_server([](http::HttpServer& s) { s.close_all(); });
    if (model_ == http::ServingModel::EventLoop) {
      loop_.stop([this] { loop_.loop.remove(listener_.get()); });
    } else {
      stopping_ = true;
      thread_.join();
    }
    server.reset();
  }

  template <typename F>
  auto on_server(F f) -> decltype(f(std::declval<http::HttpServer&>())) {
    if (model_ == http::ServingModel::ThreadPool) return f(*server);
    return loop_.call([&] { return f(*server); });
  }

  std::shared_ptr<http::HttpServer> server;
  std::uint16_t port = 0;

 private:
  http::ServingModel model_;
  LoopThread loop_;
  UniqueFd listener_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // the thread-pool model's accept thread
};

inline std::string model_name(const ::testing::TestParamInfo<http::ServingModel>& info) {
  return info.param == http::ServingModel::EventLoop ? "EventLoop" : "ThreadPool";
}

}  // namespace clab::testing
