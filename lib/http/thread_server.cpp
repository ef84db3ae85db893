#include "http/thread_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <thread>

#include "http/conversation.hpp"
#include "http/lingering_close.hpp"
#include "http/socket_stream.hpp"

namespace clab::http {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kReadChunk = 16 * 1024;

// Appends what the socket holds now to the conversation; false at end of file or an error.
bool receive_available(const SocketStream& stream, Conversation& conversation) {
  std::array<char, kReadChunk> buffer;
  for (;;) {
    const ssize_t n = stream.receive_now(buffer.data(), buffer.size());
    if (n > 0) {
      conversation.received({buffer.data(), static_cast<std::size_t>(n)}, Clock::now());
      if (static_cast<std::size_t>(n) < buffer.size()) return true;
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

}  // namespace

// Answers one request on this connection's thread: Reply::after sleeps the thread.
class ThreadServer::ConnectionReply final : public Reply {
 public:
  ConnectionReply(const ThreadServer& server, const SocketStream& stream,
                  Conversation& conversation)
      : server_(server), stream_(stream), conversation_(conversation) {}

  void begin(Clock::time_point read_at) {
    read_at_ = read_at;
    answered_ = false;
    closes_ = false;
  }
  bool answered() const { return answered_; }
  bool closes() const { return closes_; }

  void send(Response response) override {
    if (answered_) return;
    answered_ = true;
    server_.router_.finished(conversation_.request(), response, Clock::now() - read_at_);
    const bool draining = server_.draining_;
    // Winding down decides by what the client already sent: take all of it first.
    if (draining) (void)receive_available(stream_, conversation_);
    closes_ = conversation_.answer(response, draining);
  }
  void after(std::chrono::milliseconds delay, std::function<void()> then) override {
    std::this_thread::sleep_for(delay);
    then();
  }

 private:
  const ThreadServer& server_;
  const SocketStream& stream_;
  Conversation& conversation_;
  Clock::time_point read_at_;
  bool answered_ = false;
  bool closes_ = false;
};

ThreadServer::ThreadServer(const Router& router, const ConnectionSettings& settings,
                           std::string server_headers)
    : router_(router),
      settings_(settings),
      server_headers_(std::move(server_headers)),
      pool_(settings.max_threads),
      drain_event_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

ThreadServer::~ThreadServer() {
  close_all();
}

void ThreadServer::serve(UniqueFd connection) {
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

void ThreadServer::keep_alive_loop(int fd) {
  const SocketStream stream(fd);
  Conversation conversation(settings_, server_headers_);
  ConnectionReply reply(*this, stream, conversation);
  for (;;) {
    const auto now = Clock::now();
    const auto state = conversation.next(now);
    if (state == Framed::State::Invalid) {
      conversation.reject();
      break;
    }
    if (state == Framed::State::NeedMore) {
      if (!await_input(stream, conversation)) break;
      continue;
    }
    const Request& request = conversation.request();
    {
      std::lock_guard lock(mutex_);
      busy_[fd] = {request.method + " " + request.target, now};
    }
    reply.begin(now);
    router_.dispatch(request, reply);
    if (!reply.answered())
      reply.send(json_response({{"error", "the route sent no response"}}, 500));
    {
      std::lock_guard lock(mutex_);
      busy_.erase(fd);
    }
    const bool sent = stream.send_all(conversation.output(), settings_.write_timeout);
    conversation.output().clear();
    if (!sent || reply.closes()) break;
  }
  if (!conversation.output().empty())
    (void)stream.send_all(conversation.output(), settings_.write_timeout);  // a 400 or 408
  // Still in open_ while it lingers: close_all() can cut it short with shutdown().
  lingering_close(fd, settings_.linger);
  std::lock_guard lock(mutex_);
  open_.erase(fd);
  ::close(fd);
  connection_closed_.notify_all();
}

bool ThreadServer::await_input(const SocketStream& stream, Conversation& conversation) const {
  using Wait = SocketStream::Wait;
  for (;;) {
    std::chrono::milliseconds timeout;
    int wake = -1;
    if (const auto started = conversation.request_started()) {
      timeout = std::chrono::ceil<std::chrono::milliseconds>(*started + settings_.request_timeout -
                                                             Clock::now());
    } else if (!draining_) {
      timeout = settings_.keep_alive_timeout;
      wake = drain_event_.get();
    } else {
      // Draining: a request the client sent before it could learn of the drain may be on its
      // way; answer it (with Connection: close) if it arrives within the grace.
      timeout = settings_.idle_grace;
    }
    const Wait wait = stream.wait_readable(timeout, wake);
    if (wait == Wait::Woken) continue;
    if (wait == Wait::TimedOut) {
      if (conversation.has_input()) conversation.reject_timed_out();
      return false;
    }
    const bool had_input = conversation.has_input();
    if (!receive_available(stream, conversation)) return false;
    if (had_input || conversation.has_input()) return true;
  }
}

void ThreadServer::begin_drain() {
  draining_ = true;
  const std::uint64_t one = 1;
  (void)!::write(drain_event_.get(), &one, sizeof one);  // never read: stays readable
}

ThreadServer::DrainReport ThreadServer::wait_drained(std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  std::unique_lock lock(mutex_);
  DrainReport report;
  report.drained = connection_closed_.wait_for(lock, timeout, [this] { return open_.empty(); });
  const auto now = Clock::now();
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
  for (const auto& [fd, request] : busy_) {
    report.still_running.push_back(
        fmt::format("{} (running {:.1f} s)", request.request,
                    std::chrono::duration<double>(now - request.since).count()));
  }
  return report;
}

std::size_t ThreadServer::requests_in_flight() const {
  std::lock_guard lock(mutex_);
  return busy_.size();
}

std::size_t ThreadServer::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

void ThreadServer::close_all() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    for (int fd : open_)
      ::shutdown(fd, SHUT_RDWR);  // wakes loops waiting in poll
  }
  pool_.shutdown();
}

}  // namespace clab::http
