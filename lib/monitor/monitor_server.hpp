// MonitorServer: the HTTP side of a Monitor, on the supervisor's own event loop (the
// primary's, the pm daemon's), bound to a loopback address:
//
//   GET /metrics       Prometheus text exposition (prometheus_text.hpp)
//   GET /api/figures   the same figures as JSON (Monitor::snapshot)
//   GET /api/events    Server-Sent Events: "figures" (that JSON, without the timeline)
//                      every push_interval, and "timeline" for each event as it happens
//                      (the retained ones first)
//   GET /              the live dashboard page (dashboard_page.hpp), fed by /api/events
//
// Invariant: every open event stream gets every timeline event recorded while it is open,
// in order. Single-threaded: use it on the loop's thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cluster/event_loop.hpp"
#include "http/connection_settings.hpp"
#include "http/event_server.hpp"
#include "http/router.hpp"
#include "monitor/monitor.hpp"

namespace clab::monitor {

class MonitorServer {
 public:
  static constexpr std::chrono::milliseconds kPushInterval{500};

  // Binds host:port (0: a free port) and serves on `loop`; `monitor` must outlive it.
  static Result<std::unique_ptr<MonitorServer>> start(cluster::EventLoop& loop, Monitor& monitor,
                                                      const std::string& host, std::uint16_t port);
  ~MonitorServer();
  MonitorServer(const MonitorServer&) = delete;
  MonitorServer& operator=(const MonitorServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;

 private:
  MonitorServer(cluster::EventLoop& loop, Monitor& monitor, UniqueFd listener, std::string host,
                std::uint16_t port);
  void add_routes();
  void accept_connections();
  void push_figures();
  void broadcast(const std::string& message);

  cluster::EventLoop& loop_;
  Monitor& monitor_;
  UniqueFd listener_;
  std::string host_;
  std::uint16_t port_;
  http::ConnectionSettings settings_;
  http::Router router_;
  http::EventServer server_;
  std::vector<std::shared_ptr<http::ResponseStream>> streams_;
  cluster::EventLoop::TimerId push_timer_ = 0;
  cluster::EventLoop::TimerId accept_retry_ = 0;
  int subscription_ = 0;
};

}  // namespace clab::monitor
