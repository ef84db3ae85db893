#include "http/worker_app.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <thread>

#include <time.h>

#include "http/event_server.hpp"
#include "http/query.hpp"
#include "http/thread_server.hpp"

namespace clab::http {
namespace {

Response bad_request(const Error& error) {
  return json_response({{"error", error.message}}, 400);
}

std::unique_ptr<HttpServer> make_server(ServingModel model, cluster::EventLoop* loop,
                                        const Router& router, const ConnectionSettings& settings,
                                        const WorkerIdentity& identity) {
  std::string headers =
      fmt::format("X-Worker-Id: {}\r\nX-Worker-Pid: {}\r\n", identity.id, identity.pid);
  if (model == ServingModel::ThreadPool)
    return std::make_unique<ThreadServer>(router, settings, std::move(headers));
  if (loop == nullptr) throw std::logic_error("the event loop model needs an event loop");
  return std::make_unique<EventServer>(*loop, router, settings, std::move(headers));
}

}  // namespace

void burn_cpu(std::chrono::milliseconds duration) {
  // Counts this thread's CPU time, not wall time: N ms of work costs N ms of a core however
  // many other threads compete for it, as real computation would.
  auto cpu_now = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  };
  const auto until = cpu_now() + duration;
  volatile std::uint64_t x = 0;
  while (cpu_now() < until) {
    for (int i = 0; i < 1000; ++i)
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  }
}

WorkerApp::WorkerApp(WorkerIdentity identity, ConnectionSettings settings, ServingModel model,
                     cluster::EventLoop* loop, coord::Coordinator* shared_store)
    : identity_(identity),
      settings_(settings),
      shared_store_(shared_store),
      hello_(fmt::format("Hello from worker {} (pid {})\n", identity.id, identity.pid)),
      server_(make_server(model, loop, router_, settings_, identity_)) {
  add_routes();
}

void WorkerApp::add_routes() {
  router_.get("/", [this](const Request&, Reply& reply) { reply.send({.body = hello_}); });
  router_.get("/health", [this](const Request&, Reply& reply) {
    const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_);
    reply.send(json_response({{"status", "ok"},
                              {"worker", identity_.id},
                              {"instance", identity_.instance},
                              {"pid", identity_.pid},
                              {"uptime_s", uptime.count()},
                              {"open_connections", server_->open_connections()},
                              // this request aside
                              {"requests_in_flight", server_->requests_in_flight() - 1}}));
  });
  router_.get("/work", [this](const Request& request, Reply& reply) {
    auto ms = integer_param(request, "ms", 10, kMaxWorkMs);
    if (!ms) return reply.send(bad_request(ms.error()));
    burn_cpu(std::chrono::milliseconds(ms.value()));
    reply.send(json_response({{"worker", identity_.id}, {"pid", identity_.pid}, {"work_ms", *ms}}));
  });
  router_.get("/sleep", [this](const Request& request, Reply& reply) {
    auto ms = integer_param(request, "ms", 100, kMaxSleepMs);
    if (!ms) return reply.send(bad_request(ms.error()));
    reply.after(std::chrono::milliseconds(*ms), [this, &reply, ms = *ms] {
      reply.send(
          json_response({{"worker", identity_.id}, {"pid", identity_.pid}, {"slept_ms", ms}}));
    });
  });
  router_.get("/count", [this](const Request&, Reply& reply) {
    const std::uint64_t value = ++count_;
    reply.send(json_response({{"worker", identity_.id}, {"pid", identity_.pid}, {"count", value}}));
  });
  router_.get("/shared-count", [this](const Request&, Reply& reply) {
    if (shared_store_ == nullptr) {
      return reply.send(
          json_response({{"error", "no shared store: start the cluster with --backend"}}, 503));
    }
    auto value = shared_store_->incr("shared-count");
    if (!value) return reply.send(json_response({{"error", value.error().message}}, 503));
    reply.send(
        json_response({{"worker", identity_.id}, {"pid", identity_.pid}, {"count", *value}}));
  });
}

void WorkerApp::enable_fault_routes() {
  router_.get("/hang", [this](const Request&, Reply&) {
    lock_.lock();  // and never unlock: the state is as a deadlock would leave it
    for (;;)
      std::this_thread::sleep_for(std::chrono::hours(1));
  });
}

nlohmann::json WorkerApp::heartbeat_figures() {
  std::lock_guard lock(lock_);
  nlohmann::json figures = router_.stats().snapshot();
  figures["in_flight"] = server_->requests_in_flight();
  figures["open_connections"] = server_->open_connections();
  return figures;
}

}  // namespace clab::http
