#include "http/worker_app.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <thread>

#include <time.h>

#include "http/query.hpp"

namespace clab::http {
namespace {

void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

void send_bad_request(httplib::Response& res, const Error& error) {
  send_json(res, {{"error", error.message}}, 400);
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

WorkerApp::WorkerApp(WorkerIdentity identity, ConnectionSettings settings,
                     coord::Coordinator* shared_store)
    : identity_(identity), shared_store_(shared_store), server_(settings) {
  server_.set_default_headers({{"X-Worker-Id", std::to_string(identity_.id)},
                               {"X-Worker-Pid", std::to_string(identity_.pid)}});
  add_routes();
}

void WorkerApp::add_routes() {
  server_.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(fmt::format("Hello from worker {} (pid {})\n", identity_.id, identity_.pid),
                    "text/plain");
  });
  server_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_);
    send_json(res, {{"status", "ok"},
                    {"worker", identity_.id},
                    {"instance", identity_.instance},
                    {"pid", identity_.pid},
                    {"uptime_s", uptime.count()},
                    // this request aside
                    {"requests_in_flight", server_.requests_in_flight() - 1}});
  });
  server_.Get("/work", [this](const httplib::Request& req, httplib::Response& res) {
    auto ms = integer_param(req, "ms", 10, kMaxWorkMs);
    if (!ms) return send_bad_request(res, ms.error());
    burn_cpu(std::chrono::milliseconds(ms.value()));
    send_json(res, {{"worker", identity_.id}, {"pid", identity_.pid}, {"work_ms", ms.value()}});
  });
  server_.Get("/sleep", [this](const httplib::Request& req, httplib::Response& res) {
    auto ms = integer_param(req, "ms", 100, kMaxSleepMs);
    if (!ms) return send_bad_request(res, ms.error());
    std::this_thread::sleep_for(std::chrono::milliseconds(ms.value()));
    send_json(res, {{"worker", identity_.id}, {"pid", identity_.pid}, {"slept_ms", ms.value()}});
  });
  server_.Get("/count", [this](const httplib::Request&, httplib::Response& res) {
    const std::uint64_t value = ++count_;
    send_json(res, {{"worker", identity_.id}, {"pid", identity_.pid}, {"count", value}});
  });
  server_.Get("/shared-count", [this](const httplib::Request&, httplib::Response& res) {
    if (shared_store_ == nullptr)
      return send_json(res, {{"error", "no shared store: start the cluster with --backend"}}, 503);
    auto value = shared_store_->incr("shared-count");
    if (!value) return send_json(res, {{"error", value.error().message}}, 503);
    send_json(res, {{"worker", identity_.id}, {"pid", identity_.pid}, {"count", value.value()}});
  });
  server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404) {
      send_json(res, {{"error", fmt::format("no route for {} {}", req.method, req.path)}}, 404);
    }
  });
  server_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        send_json(res, {{"error", what}}, 500);
      });
}

}  // namespace clab::http
