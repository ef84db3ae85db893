#include "http/connection_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include <fmt/format.h>

#include "http/lingering_close.hpp"
#include "http/socket_stream.hpp"

namespace clab::http {

// What the routing handlers need to know of the connection this pool thread serves.
class ConnectionServer::Turn {
 public:
  Turn(int fd, const SocketStream& stream) : fd(fd), stream(stream) { current = this; }
  ~Turn() { current = nullptr; }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;

  static thread_local Turn* current;
  const int fd;
  const SocketStream& stream;
  std::size_t served_while_draining = 0;
  bool closing = false;  // the response just written ends the connection
};

thread_local ConnectionServer::Turn* ConnectionServer::Turn::current = nullptr;

ConnectionServer::ConnectionServer(ConnectionSettings settings)
    : settings_(settings),
      pool_(settings.max_threads),
      drain_event_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  // Name each request in flight, so a drain that runs out of time can say what was running.
  set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    if (Turn::current == nullptr) return HandlerResponse::Unhandled;
    std::lock_guard lock(mutex_);
    auto it = busy_.find(Turn::current->fd);
    if (it != busy_.end()) it->second.request = req.method + " " + req.target;
    return HandlerResponse::Unhandled;
  });
  // Once draining, the response that ends the connection says so: the one after which the
  // client has sent nothing more (requests already received are answered first), or the
  // last of drain_pipeline_limit.
  set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
    Turn* turn = Turn::current;
    if (turn == nullptr) return;
    if (draining_ && !res.has_header("Connection")) {
      ++turn->served_while_draining;
      if (turn->served_while_draining >= settings_.drain_pipeline_limit ||
          !turn->stream.input_ready()) {
        res.headers.erase("Keep-Alive");
        res.set_header("Connection", "close");
      }
    }
    turn->closing = res.get_header_value("Connection") == "close";
  });
  // Only for the Keep-Alive response header: the loop below enforces both.
  set_keep_alive_max_count(settings.keep_alive_max_requests);
  set_keep_alive_timeout(
      std::chrono::ceil<std::chrono::seconds>(settings.keep_alive_timeout).count());
}

ConnectionServer::~ConnectionServer() {
  close_all();
}

void ConnectionServer::serve(UniqueFd connection) {
  const int one = 1;
  ::setsockopt(connection.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const int fd = connection.release();
  {
    std::lock_guard lock(mutex_);
    if (closing_) {
      ::close(fd);
      return;
    }
    open_.insert(fd);
  }
  pool_.enqueue([this, fd] { keep_alive_loop(fd); });
}

void ConnectionServer::keep_alive_loop(int fd) {
  SocketStream stream(fd, settings_.read_timeout, settings_.write_timeout);
  const auto no_setup = [](httplib::Request&) {};
  {
    Turn turn(fd, stream);
    for (std::size_t served = 0; served < settings_.keep_alive_max_requests; ++served) {
      if (!await_request(stream)) break;
      const bool last = served + 1 == settings_.keep_alive_max_requests;
      {
        std::lock_guard lock(mutex_);
        busy_[fd] = {"(reading the request)", std::chrono::steady_clock::now()};
      }
      bool closed_by_request = false;
      turn.closing = false;
      const bool ok = process_request(stream, last, closed_by_request, no_setup);
      {
        std::lock_guard lock(mutex_);
        busy_.erase(fd);
      }
      if (!ok || closed_by_request || last || turn.closing) break;
    }
  }
  // Still in open_ while it lingers: close_all() can cut it short with shutdown().
  lingering_close(fd, settings_.linger);
  std::lock_guard lock(mutex_);
  open_.erase(fd);
  ::close(fd);
  connection_closed_.notify_all();
}

bool ConnectionServer::await_request(const SocketStream& stream) const {
  using Wait = SocketStream::Wait;
  if (!draining_) {
    const Wait wait = stream.wait_readable(settings_.keep_alive_timeout, drain_event_.get());
    if (wait != Wait::Woken) return wait == Wait::Readable;
  }
  // Draining: a request the client sent before it could learn of the drain may be on its
  // way; answer it (with Connection: close) if it arrives within the grace.
  return stream.wait_readable(settings_.idle_grace, -1) == Wait::Readable;
}

void ConnectionServer::begin_drain() {
  draining_ = true;
  const std::uint64_t one = 1;
  (void)!::write(drain_event_.get(), &one, sizeof one);  // never read: stays readable
}

ConnectionServer::DrainReport ConnectionServer::wait_drained(std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  DrainReport report;
  report.drained = connection_closed_.wait_for(lock, timeout, [this] { return open_.empty(); });
  const auto now = std::chrono::steady_clock::now();
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
  for (const auto& [fd, request] : busy_) {
    report.still_running.push_back(
        fmt::format("{} (running {:.1f} s)", request.request,
                    std::chrono::duration<double>(now - request.since).count()));
  }
  return report;
}

std::size_t ConnectionServer::requests_in_flight() const {
  std::lock_guard lock(mutex_);
  return busy_.size();
}

void ConnectionServer::close_all() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    for (int fd : open_)
      ::shutdown(fd, SHUT_RDWR);  // wakes loops waiting in poll
  }
  pool_.shutdown();
}

std::size_t ConnectionServer::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

}  // namespace clab::http
