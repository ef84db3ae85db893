#include "monitor/monitor_server.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "monitor/dashboard_page.hpp"
#include "monitor/prometheus_text.hpp"
#include "net/tcp_listener.hpp"

namespace clab::monitor {
namespace {

std::string sse_message(const char* event, const nlohmann::json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", event, data.dump());
}

}  // namespace

Result<std::unique_ptr<MonitorServer>> MonitorServer::start(cluster::EventLoop& loop,
                                                            Monitor& monitor,
                                                            const std::string& host,
                                                            std::uint16_t port) {
  auto listener = net::bind_tcp(host, port, {});
  if (!listener) return listener.error();
  auto bound = net::bound_port(listener->get());
  if (!bound) return bound.error();
  std::unique_ptr<MonitorServer> server(
      new MonitorServer(loop, monitor, std::move(listener.value()), host, bound.value()));
  if (auto s = loop.add(server->listener_.get(), EPOLLIN,
                        [s = server.get()](std::uint32_t) { s->accept_connections(); });
      !s) {
    return s.error();
  }
  return server;
}

MonitorServer::MonitorServer(cluster::EventLoop& loop, Monitor& monitor, UniqueFd listener,
                             std::string host, std::uint16_t port)
    : loop_(loop),
      monitor_(monitor),
      listener_(std::move(listener)),
      host_(std::move(host)),
      port_(port),
      server_(loop, router_, settings_, "") {
  add_routes();
  subscription_ = monitor_.subscribe(
      [this](const TimelineEvent& event) { broadcast(sse_message("timeline", to_json(event))); });
  push_timer_ = loop_.after(kPushInterval, [this] { push_figures(); });
}

MonitorServer::~MonitorServer() {
  monitor_.unsubscribe(subscription_);
  loop_.cancel(push_timer_);
  loop_.cancel(accept_retry_);
  loop_.remove(listener_.get());
  server_.close_all();
}

std::string MonitorServer::url(const std::string& path) const {
  const bool v6 = host_.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}{}", v6 ? "[" : "", host_, v6 ? "]" : "", port_, path);
}

void MonitorServer::add_routes() {
  using http::Reply;
  using http::Request;
  router_.get("/metrics", [this](const Request&, Reply& reply) {
    reply.send({.content_type = "text/plain; version=0.0.4; charset=utf-8",
                .body = prometheus_text(monitor_.figures())});
  });
  router_.get("/api/figures", [this](const Request&, Reply& reply) {
    reply.send(http::json_response(monitor_.snapshot(/*with_timeline=*/true)));
  });
  router_.get("/api/events", [this](const Request&, Reply& reply) {
    auto stream = reply.stream(
        {.content_type = "text/event-stream", .headers = {{"Cache-Control", "no-cache"}}});
    if (!stream) return;
    std::string history;
    for (const auto& event : monitor_.timeline())
      history += sse_message("timeline", to_json(event));
    history += sse_message("figures", monitor_.snapshot(/*with_timeline=*/false));
    if (stream->write(history)) streams_.push_back(std::move(stream));
  });
  router_.get("/", [this](const Request&, Reply& reply) {
    reply.send(
        {.content_type = "text/html; charset=utf-8", .body = dashboard_page(monitor_.title())});
  });
}

void MonitorServer::accept_connections() {
  for (;;) {
    UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: leave the connection queued and look again later.
        (void)loop_.modify(listener_.get(), 0);
        accept_retry_ = loop_.after(std::chrono::milliseconds(100), [this] {
          accept_retry_ = 0;
          (void)loop_.modify(listener_.get(), EPOLLIN);
        });
      }
      return;
    }
    server_.serve(std::move(connection));
  }
}

void MonitorServer::push_figures() {
  push_timer_ = loop_.after(kPushInterval, [this] { push_figures(); });
  if (streams_.empty()) return;
  broadcast(sse_message("figures", monitor_.snapshot(/*with_timeline=*/false)));
}

void MonitorServer::broadcast(const std::string& message) {
  std::erase_if(streams_, [&message](const auto& stream) { return !stream->write(message); });
}

}  // namespace clab::monitor
