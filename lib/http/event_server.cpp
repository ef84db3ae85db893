#include "http/event_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <algorithm>

#include "http/conversation.hpp"

namespace clab::http {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kReadChunk = 64 * 1024;
// Past this much unsent output a connection is not read further until the client catches up.
constexpr std::size_t kOutputHighWater = 256 * 1024;
constexpr auto kSweepInterval = 250ms;

std::size_t input_high_water(const ConnectionSettings& settings) {
  return settings.limits.header_section + settings.limits.body + kReadChunk;
}

}  // namespace

class EventServer::ConnectionReply final : public Reply {
 public:
  ConnectionReply(EventServer& server, Connection& connection)
      : server_(server), connection_(connection) {}
  void send(Response response) override { server_.answer(connection_, std::move(response)); }
  void after(std::chrono::milliseconds delay, std::function<void()> then) override;
  std::shared_ptr<ResponseStream> stream(Response head) override {
    return server_.open_stream(connection_, std::move(head));
  }

 private:
  EventServer& server_;
  Connection& connection_;
};

struct EventServer::Connection {
  Connection(EventServer& server, UniqueFd socket)
      : fd(std::move(socket)),
        conversation(server.settings_, server.server_headers_),
        reply(server, *this) {}

  enum class Phase {
    Open,       // requests are read and answered
    Streaming,  // a streamed response's body is being written; what the client sends is dropped
    Closing,    // the last response is being written; then the write side is shut
    Lingering,  // write side shut: what the client still sends is read and dropped
    Closed,     // in the graveyard
  };
  UniqueFd fd;
  Conversation conversation;
  ConnectionReply reply;
  Phase phase = Phase::Open;
  bool handling = false;     // a request was dispatched and is not answered yet
  bool processing = false;   // inside process(): answers are written when it ends
  bool peer_closed = false;  // the client shut its side: nothing more will arrive
  bool awaiting_write = false;
  std::uint32_t interest = 0;
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point handling_since;
  Clock::time_point write_progress;
  cluster::EventLoop::TimerId timer = 0;  // Reply::after, pending
  std::shared_ptr<Stream> stream;         // Phase::Streaming: the handler's handle on it
};

// A handler's handle on a streamed response; detached (writes fail) once the connection is
// destroyed, so a handler may hold it longer than the connection lives.
class EventServer::Stream final : public ResponseStream {
 public:
  Stream(EventServer& server, Connection& connection)
      : server_(&server), connection_(&connection) {}
  bool write(std::string_view bytes) override {
    return connection_ != nullptr && server_->write_stream(*connection_, bytes);
  }
  void close() override {
    if (connection_ == nullptr || connection_->phase != Connection::Phase::Streaming) return;
    connection_->phase = Connection::Phase::Closing;
    server_->finish_round(*connection_);
  }
  void detach() { connection_ = nullptr; }

 private:
  EventServer* server_;
  Connection* connection_;
};

void EventServer::ConnectionReply::after(std::chrono::milliseconds delay,
                                         std::function<void()> then) {
  connection_.timer = server_.loop_.after(delay, [this, then = std::move(then)] {
    connection_.timer = 0;
    try {
      then();
    } catch (const std::exception& e) {
      send(json_response({{"error", e.what()}}, 500));
    }
  });
}

EventServer::EventServer(cluster::EventLoop& loop, const Router& router,
                         const ConnectionSettings& settings, std::string server_headers)
    : loop_(loop),
      router_(router),
      settings_(settings),
      server_headers_(std::move(server_headers)),
      read_buffer_(kReadChunk) {
  sweep_timer_ = loop_.after(kSweepInterval, [this] { sweep(); });
}

EventServer::~EventServer() {
  close_all();
  loop_.cancel(sweep_timer_);
  loop_.cancel(reap_timer_);
}

void EventServer::serve(UniqueFd socket) {
  if (closing_) return;
  const int fd = socket.get();
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto connection = std::make_unique<Connection>(*this, std::move(socket));
  Connection* c = connection.get();
  c->interest = EPOLLIN | EPOLLRDHUP;
  if (!loop_.add(fd, c->interest, [this, c](std::uint32_t events) { on_event(*c, events); }))
    return;
  connections_.emplace(fd, std::move(connection));
  ++open_;
  update_deadline(*c, Clock::now());
}

void EventServer::on_event(Connection& c, std::uint32_t events) {
  // An error, or both directions shut (a reset): nothing can be answered any more.
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) return destroy(c);
  if (c.phase == Connection::Phase::Lingering || c.phase == Connection::Phase::Streaming) {
    if ((events & EPOLLOUT) != 0 && !flush(c)) return;
    // Read and drop; the client's end of file (or a reset) ends the linger or the stream.
    for (;;) {
      const ssize_t n = ::recv(c.fd.get(), read_buffer_.data(), read_buffer_.size(), 0);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return destroy(c);
    }
    return finish_round(c);
  }
  if ((events & EPOLLOUT) != 0 && !flush(c)) return;
  if ((events & (EPOLLIN | EPOLLRDHUP)) != 0 && !read_input(c)) return;
  process(c);
}

bool EventServer::read_input(Connection& c) {
  const std::size_t high_water = input_high_water(settings_);
  const auto now = Clock::now();
  while (!c.peer_closed && c.conversation.buffered_input() < high_water) {
    const ssize_t n = ::recv(c.fd.get(), read_buffer_.data(), read_buffer_.size(), 0);
    if (n > 0) {
      c.conversation.received({read_buffer_.data(), static_cast<std::size_t>(n)}, now);
      if (static_cast<std::size_t>(n) < read_buffer_.size()) break;  // the socket is empty
    } else if (n == 0) {
      c.peer_closed = true;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else {
      destroy(c);
      return false;
    }
  }
  return true;
}

void EventServer::process(Connection& c) {
  c.processing = true;
  const auto now = Clock::now();
  while (c.phase == Connection::Phase::Open && !c.handling &&
         c.conversation.output().size() < kOutputHighWater) {
    const auto state = c.conversation.next(now);
    if (state == Framed::State::NeedMore) break;
    if (state == Framed::State::Invalid) {
      c.conversation.reject();
      c.phase = Connection::Phase::Closing;
      break;
    }
    c.handling = true;
    ++in_flight_;
    c.handling_since = now;
    router_.dispatch(c.conversation.request(), c.reply);
  }
  c.processing = false;
  // The client will send nothing more: once what it asked is answered, the connection ends.
  if (c.phase == Connection::Phase::Open && c.peer_closed && !c.handling)
    c.phase = Connection::Phase::Closing;
  finish_round(c);
}

void EventServer::answer(Connection& c, Response response) {
  if (!c.handling || c.phase == Connection::Phase::Closed) return;
  c.handling = false;
  --in_flight_;
  router_.finished(c.conversation.request(), response, Clock::now() - c.handling_since);
  // Winding down decides by what the client already sent: take all of it first.
  if (draining_ && !read_input(c)) return;
  if (c.conversation.answer(response, draining_)) c.phase = Connection::Phase::Closing;
  if (!c.processing) process(c);  // a later answer: write it, then what is buffered
}

std::shared_ptr<ResponseStream> EventServer::open_stream(Connection& c, Response head) {
  if (!c.handling || c.phase != Connection::Phase::Open || draining_) return nullptr;
  c.handling = false;
  --in_flight_;
  router_.finished(c.conversation.request(), head, Clock::now() - c.handling_since);
  c.conversation.begin_stream(head);
  c.phase = Connection::Phase::Streaming;
  c.stream = std::make_shared<Stream>(*this, c);
  auto stream = c.stream;  // the round below may destroy the connection
  if (!c.processing) finish_round(c);
  return stream;
}

bool EventServer::write_stream(Connection& c, std::string_view bytes) {
  if (c.phase != Connection::Phase::Streaming) return false;
  if (c.conversation.output().size() + bytes.size() > kOutputHighWater) {
    destroy(c);  // the client does not keep up: better a gap it can see than our memory
    return false;
  }
  c.conversation.output().append(bytes);
  finish_round(c);
  return c.phase == Connection::Phase::Streaming;
}

void EventServer::finish_round(Connection& c) {
  if (c.phase == Connection::Phase::Closed || !flush(c)) return;
  update_interest(c);
  update_deadline(c, Clock::now());
}

bool EventServer::flush(Connection& c) {
  std::string& out = c.conversation.output();
  std::size_t written = 0;
  while (written < out.size()) {
    const ssize_t n = ::send(c.fd.get(), out.data() + written, out.size() - written, MSG_NOSIGNAL);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      destroy(c);
      return false;
    }
  }
  out.erase(0, written);
  if (written > 0 || !c.awaiting_write) c.write_progress = Clock::now();
  c.awaiting_write = !out.empty();
  if (out.empty() && c.phase == Connection::Phase::Closing) {
    if (c.peer_closed) {
      destroy(c);
      return false;
    }
    ::shutdown(c.fd.get(), SHUT_WR);
    c.phase = Connection::Phase::Lingering;
    c.deadline = Clock::now() + settings_.linger;
  }
  return true;
}

void EventServer::update_interest(Connection& c) {
  std::uint32_t want = 0;
  if (c.phase == Connection::Phase::Lingering) {
    want = EPOLLIN | EPOLLRDHUP;
  } else if (c.phase == Connection::Phase::Streaming) {
    want = EPOLLIN | EPOLLRDHUP;
    if (!c.conversation.output().empty()) want |= EPOLLOUT;
  } else {
    if (!c.conversation.output().empty()) want |= EPOLLOUT;
    if (c.phase == Connection::Phase::Open && !c.peer_closed &&
        c.conversation.buffered_input() < input_high_water(settings_) &&
        c.conversation.output().size() < kOutputHighWater)
      want |= EPOLLIN | EPOLLRDHUP;
  }
  if (want == c.interest) return;
  (void)loop_.modify(c.fd.get(), want);
  c.interest = want;
}

void EventServer::update_deadline(Connection& c, Clock::time_point now) {
  if (c.phase == Connection::Phase::Lingering) return;  // set when the linger began
  if (c.awaiting_write) {
    c.deadline = c.write_progress + settings_.write_timeout;
  } else if (c.handling || c.phase == Connection::Phase::Streaming) {
    c.deadline = Clock::time_point::max();  // the drain's deadline is the limit
  } else {
    const auto started = c.conversation.request_started();
    c.deadline =
        started ? *started + settings_.request_timeout : now + settings_.keep_alive_timeout;
    if (draining_)
      c.deadline = std::min(c.deadline, std::max(now, drain_began_) + settings_.idle_grace);
  }
}

void EventServer::expire(Connection& c) {
  if (c.phase == Connection::Phase::Lingering || c.awaiting_write) return destroy(c);
  if (c.conversation.has_input()) c.conversation.reject_timed_out();  // 408, then close
  c.phase = Connection::Phase::Closing;
  finish_round(c);
}

void EventServer::destroy(Connection& c) {
  if (c.phase == Connection::Phase::Closed) return;
  c.phase = Connection::Phase::Closed;
  if (c.timer != 0) loop_.cancel(c.timer);
  if (c.stream) c.stream->detach();
  if (c.handling) --in_flight_;
  c.handling = false;
  const int fd = c.fd.get();
  loop_.remove(fd);
  auto node = connections_.extract(fd);
  c.fd.reset();
  graveyard_.push_back(std::move(node.mapped()));
  if (reap_timer_ == 0) {
    reap_timer_ = loop_.after(0ms, [this] {
      reap_timer_ = 0;
      graveyard_.clear();
    });
  }
  --open_;
  if (waiting_for_drain_ && open_ == 0) loop_.stop();
}

void EventServer::sweep() {
  const auto now = Clock::now();
  std::vector<Connection*> expired;
  for (auto& [fd, c] : connections_) {
    if (now >= c->deadline) expired.push_back(c.get());
  }
  for (Connection* c : expired)
    expire(*c);
  sweep_timer_ = loop_.after(kSweepInterval, [this] { sweep(); });
}

void EventServer::begin_drain() {
  if (draining_) return;
  draining_ = true;
  drain_began_ = Clock::now();
  std::vector<Connection*> streaming;
  for (auto& [fd, c] : connections_) {
    if (c->phase == Connection::Phase::Open && !c->handling && !c->awaiting_write)
      update_deadline(*c, drain_began_);
    if (c->phase == Connection::Phase::Streaming) streaming.push_back(c.get());
  }
  for (Connection* c : streaming)  // a stream has no end of its own: the drain ends it
    c->stream->close();
}

EventServer::DrainReport EventServer::wait_drained(std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  if (open_ > 0) {
    waiting_for_drain_ = true;
    const auto deadline = loop_.after(timeout, [this] { loop_.stop(); });
    loop_.run();
    loop_.cancel(deadline);
    waiting_for_drain_ = false;
  }
  const auto now = Clock::now();
  DrainReport report;
  report.drained = open_ == 0;
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
  for (const auto& [fd, c] : connections_) {
    if (!c->handling) continue;
    const Request& request = c->conversation.request();
    report.still_running.push_back(
        fmt::format("{} {} (running {:.1f} s)", request.method, request.target,
                    std::chrono::duration<double>(now - c->handling_since).count()));
  }
  return report;
}

void EventServer::close_all() {
  closing_ = true;
  std::vector<Connection*> all;
  for (auto& [fd, c] : connections_)
    all.push_back(c.get());
  for (Connection* c : all)
    destroy(*c);
}

}  // namespace clab::http
