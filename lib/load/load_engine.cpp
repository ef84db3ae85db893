#include "load/load_engine.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <deque>
#include <thread>

#include "core/unique_fd.hpp"
#include "load/response_parser.hpp"

namespace clab::load {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::nanoseconds;

std::int64_t epoch_ms() {
  return duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nanoseconds seconds_to_ns(double s) {
  return nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

// What the threads share: read-mostly settings, and the few counters that must be global
// (the -a budget and the -B error count), touched only in those modes or on errors.
struct Shared {
  const LoadOptions& options;
  std::string request;
  net::SocketAddress address;
  Clock::time_point start;               // load begins (warm-up included)
  Clock::time_point measure_start;       // recording begins
  Clock::time_point end;                 // no new request after this (duration mode)
  std::atomic<std::int64_t> budget{0};   // -a: requests left to issue
  std::atomic<std::uint64_t> errors{0};  // -B: errors so far
  std::atomic<bool> bail{false};
};

// One client connection and the requests in flight on it, oldest first.
struct Connection {
  struct InFlight {
    Clock::time_point intended;  // when the schedule wanted it sent (rate mode)
    Clock::time_point sent;
    bool measured;  // sent after the warm-up: only these enter any figure
  };
  UniqueFd fd;
  bool connecting = false;
  ResponseParser parser;
  std::string leftover;  // bytes of an incomplete line, waiting for the rest
  std::deque<InFlight> in_flight;
  std::deque<Clock::time_point> to_resend;  // intended times of requests to send again
  std::string outbox;                       // request bytes the socket did not take yet
  Clock::time_point next_intended;          // rate mode: the next scheduled send
  Clock::time_point reconnect_at;
  bool idle() const { return in_flight.empty() && outbox.empty(); }
  std::uint64_t measured_in_flight() const {
    return static_cast<std::uint64_t>(std::count_if(in_flight.begin(), in_flight.end(),
                                                    [](const auto& r) { return r.measured; }));
  }
};

class EngineThread {
 public:
  EngineThread(Shared& shared, int index, int connections, std::atomic<std::uint64_t>* progress)
      : shared_(shared),
        options_(shared.options),
        index_(index),
        progress_(progress),
        connections_(static_cast<std::size_t>(connections)),
        epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    const double rate = options_.per_connection_rate();
    interval_ = rate > 0 ? seconds_to_ns(1.0 / rate) : nanoseconds(0);
  }

  LoadStats run();

 private:
  void open(Connection& c);
  void close_and_reconnect(Connection& c, bool count_in_flight_as_errors, Clock::time_point at);
  void on_event(Connection& c, std::uint32_t events);
  void on_readable(Connection& c);
  bool consume(Connection& c, std::string_view data);
  void on_response(Connection& c, const ParsedResponse& response, Clock::time_point now);
  void issue(Connection& c, Clock::time_point now);
  bool claim_request();
  void send_requests(Connection& c, std::size_t count);
  void flush(Connection& c);
  void check_timeouts(Clock::time_point now);
  void count_error(Connection& c, std::uint64_t n, const std::string& why);
  bool stopping(Clock::time_point now) const;
  Clock::time_point next_wakeup(Clock::time_point now) const;
  void sample(Clock::time_point now, std::uint64_t bytes);

  Shared& shared_;
  const LoadOptions& options_;
  int index_;
  std::atomic<std::uint64_t>* progress_;
  std::vector<Connection> connections_;
  UniqueFd epoll_;
  nanoseconds interval_{0};
  bool out_of_budget_ = false;
  std::uint64_t answered_ = 0;  // every response, warm-up included: the progress bar's count
  LoadStats stats_;
  std::array<char, 64 * 1024> buffer_;
};

bool EngineThread::stopping(Clock::time_point now) const {
  if (shared_.bail.load(std::memory_order_relaxed)) return true;
  if (options_.amount > 0) return out_of_budget_;
  return now >= shared_.end;
}

bool EngineThread::claim_request() {
  if (options_.amount == 0) return true;
  if (out_of_budget_) return false;
  if (shared_.budget.fetch_sub(1, std::memory_order_relaxed) > 0) return true;
  out_of_budget_ = true;
  return false;
}

void EngineThread::count_error(Connection&, std::uint64_t n, const std::string& why) {
  stats_.add_error_sample(why);
  const auto total = shared_.errors.fetch_add(n, std::memory_order_relaxed) + n;
  if (options_.bailout > 0 && total >= options_.bailout) shared_.bail = true;
}

void EngineThread::open(Connection& c) {
  c.fd.reset(::socket(shared_.address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!c.fd) {
    ++stats_.connect_errors;
    count_error(c, 0, fmt::format("socket: {}", std::strerror(errno)));
    c.reconnect_at = Clock::now() + std::chrono::milliseconds(10);
    return;
  }
  const int one = 1;
  ::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c.parser = ResponseParser{};
  c.parser.expect_head_response(options_.method == "HEAD");
  c.leftover.clear();
  const int r = ::connect(c.fd.get(), shared_.address.get(), shared_.address.length());
  c.connecting = r != 0 && errno == EINPROGRESS;
  if (r != 0 && errno != EINPROGRESS) {
    ++stats_.connect_errors;
    count_error(c, 0, fmt::format("connect: {}", std::strerror(errno)));
    c.fd.reset();
    c.reconnect_at = Clock::now() + std::chrono::milliseconds(10);
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  ev.data.ptr = &c;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev);
}

void EngineThread::close_and_reconnect(Connection& c, bool count_in_flight_as_errors,
                                       Clock::time_point at) {
  if (c.fd) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
    c.fd.reset();
  }
  if (count_in_flight_as_errors) {
    stats_.errors += c.measured_in_flight();
  } else {
    // Asked to close gracefully: the requests it did not answer are sent again.
    stats_.sent -= c.measured_in_flight();
    for (const auto& r : c.in_flight)
      c.to_resend.push_back(r.intended);
  }
  c.in_flight.clear();
  c.outbox.clear();
  c.connecting = false;
  c.reconnect_at = at;
  ++stats_.reconnects;
}

void EngineThread::sample(Clock::time_point now, std::uint64_t bytes) {
  const auto since = now - shared_.measure_start;
  const auto last = static_cast<std::size_t>(std::max(1.0, std::ceil(options_.duration_s))) - 1;
  std::size_t second = static_cast<std::size_t>(
      std::max<std::int64_t>(0, duration_cast<std::chrono::seconds>(since).count()));
  if (options_.amount == 0) second = std::min(second, last);  // the drain joins the last second
  if (stats_.requests_per_second.size() <= second) {
    stats_.requests_per_second.resize(second + 1);
    stats_.bytes_per_second.resize(second + 1);
  }
  ++stats_.requests_per_second[second];
  stats_.bytes_per_second[second] += bytes;
}

void EngineThread::on_response(Connection& c, const ParsedResponse& response,
                               Clock::time_point now) {
  if (c.in_flight.empty()) return;  // a response nobody asked for: ignore it
  const Connection::InFlight request = c.in_flight.front();
  c.in_flight.pop_front();
  progress_->store(++answered_, std::memory_order_relaxed);
  if (!request.measured) return;  // sent during the warm-up
  ++stats_.responses;
  const bool ok = response.status >= 200 && response.status < 300;
  if (!ok) ++stats_.non_2xx;
  ++stats_.status_codes[response.status];
  if (response.worker_id >= 0) ++stats_.by_worker[response.worker_id];
  if (!ok && options_.exclude_errors) return;
  const bool corrected = options_.rate_limited() && !options_.ignore_coordinated_omission;
  const auto from = corrected ? request.intended : request.sent;
  stats_.latency.record(static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, duration_cast<microseconds>(now - from).count())));
  stats_.bytes_read += response.bytes;
  sample(now, response.bytes);
}

bool EngineThread::consume(Connection& c, std::string_view data) {
  const auto now = Clock::now();
  while (!data.empty()) {
    std::size_t used = 0;
    const auto state = c.parser.parse(data, &used);
    data.remove_prefix(used);
    if (state == ResponseParser::State::Error) {
      count_error(c, c.in_flight.size(), "bad response: " + c.parser.error());
      close_and_reconnect(c, true, now);
      return false;
    }
    if (state == ResponseParser::State::NeedMore) break;
    const ParsedResponse response = c.parser.response();
    on_response(c, response, now);
    if (!response.keep_alive) {
      // Paced connections reconnect when their next request is due, as a client that
      // opens a connection per request would; unpaced ones at once.
      const bool lazy = interval_.count() > 0 && c.in_flight.empty();
      close_and_reconnect(c, false, lazy ? std::max(now, c.next_intended) : now);
      return false;
    }
  }
  c.leftover.assign(data.data(), data.size());
  return true;
}

void EngineThread::on_readable(Connection& c) {
  for (;;) {
    const ssize_t n = ::recv(c.fd.get(), buffer_.data(), buffer_.size(), 0);
    if (n > 0) {
      std::string_view fresh(buffer_.data(), static_cast<std::size_t>(n));
      bool open_still;
      if (c.leftover.empty()) {
        open_still = consume(c, fresh);
      } else {
        std::string joined = std::move(c.leftover);
        joined.append(fresh);
        open_still = consume(c, joined);
      }
      if (!open_still) return;
      if (static_cast<std::size_t>(n) < buffer_.size()) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    // End of file or a reset.
    const auto now = Clock::now();
    if (n == 0 && c.parser.in_progress() &&
        c.parser.finish_at_eof() == ResponseParser::State::Complete) {
      on_response(c, c.parser.response(), now);
    }
    if (!c.in_flight.empty()) {
      count_error(c, c.in_flight.size(),
                  n == 0 ? "connection closed by the server"
                         : fmt::format("read: {}", std::strerror(errno)));
    }
    close_and_reconnect(c, true, now);
    return;
  }
  issue(c, Clock::now());
}

void EngineThread::flush(Connection& c) {
  while (!c.outbox.empty()) {
    const ssize_t n = ::send(c.fd.get(), c.outbox.data(), c.outbox.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.outbox.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    count_error(c, c.in_flight.size(), fmt::format("write: {}", std::strerror(errno)));
    close_and_reconnect(c, true, Clock::now());
    return;
  }
}

void EngineThread::send_requests(Connection& c, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    c.outbox += shared_.request;
  flush(c);
}

void EngineThread::issue(Connection& c, Clock::time_point now) {
  if (!c.fd || c.connecting) return;
  const auto capacity = static_cast<std::size_t>(options_.pipelining);
  std::size_t batch = 0;
  while (c.in_flight.size() < capacity && !stopping(now)) {
    Clock::time_point intended = now;
    if (!c.to_resend.empty()) {
      intended = c.to_resend.front();
      c.to_resend.pop_front();
    } else if (interval_.count() > 0) {
      if (c.next_intended > now) break;
      if (!claim_request()) break;
      intended = c.next_intended;
      c.next_intended += interval_;
    } else if (!claim_request()) {
      break;
    }
    const bool measured = now >= shared_.measure_start;
    c.in_flight.push_back({intended, now, measured});
    if (measured) ++stats_.sent;
    ++batch;
  }
  if (batch > 0) send_requests(c, batch);
}

void EngineThread::on_event(Connection& c, std::uint32_t events) {
  if (c.connecting) {
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      ++stats_.connect_errors;
      count_error(c, 0, fmt::format("connect: {}", std::strerror(error ? error : ECONNREFUSED)));
      close_and_reconnect(c, true, Clock::now() + std::chrono::milliseconds(10));
      return;
    }
    c.connecting = false;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = &c;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
    issue(c, Clock::now());
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    on_readable(c);
    return;
  }
  if ((events & EPOLLOUT) && c.fd) flush(c);
}

void EngineThread::check_timeouts(Clock::time_point now) {
  const auto limit = seconds_to_ns(options_.timeout_s);
  for (auto& c : connections_) {
    if (!c.fd || c.in_flight.empty() || now - c.in_flight.front().sent < limit) continue;
    stats_.timeouts += c.measured_in_flight();
    count_error(c, c.in_flight.size(),
                fmt::format("timeout: no response within {} s", options_.timeout_s));
    c.in_flight.clear();
    close_and_reconnect(c, true, now);
  }
}

Clock::time_point EngineThread::next_wakeup(Clock::time_point now) const {
  auto wake = now + std::chrono::milliseconds(50);  // timeouts and progress
  if (options_.amount == 0 && now < shared_.end) wake = std::min(wake, shared_.end);
  const bool ending = stopping(now);
  for (const auto& c : connections_) {
    if (!c.fd && !ending) wake = std::min(wake, c.reconnect_at);
    if (interval_.count() > 0 && c.fd && !c.connecting &&
        c.in_flight.size() < static_cast<std::size_t>(options_.pipelining)) {
      wake = std::min(wake, c.next_intended);
    }
  }
  return std::max(wake, now);
}

LoadStats EngineThread::run() {
  // Spread the first sends of paced connections over one interval, as wrk2 does.
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    const auto offset = interval_.count() > 0 ? interval_ * static_cast<std::int64_t>(i) /
                                                    static_cast<std::int64_t>(connections_.size())
                                              : nanoseconds(0);
    connections_[i].next_intended = shared_.start + offset;
    open(connections_[i]);
  }
  std::array<epoll_event, 256> events;
  Clock::time_point drain_deadline{};
  for (;;) {
    auto now = Clock::now();
    if (stopping(now)) {
      if (drain_deadline == Clock::time_point{})
        drain_deadline = now + seconds_to_ns(std::min(options_.timeout_s, 10.0));
      const bool idle = std::all_of(connections_.begin(), connections_.end(),
                                    [](const Connection& c) { return c.in_flight.empty(); });
      if (idle || now >= drain_deadline || shared_.bail) break;
    }
    for (auto& c : connections_) {
      if (!c.fd && now >= c.reconnect_at && !stopping(now)) open(c);
      if (interval_.count() > 0 || !c.to_resend.empty()) issue(c, now);
    }
    check_timeouts(now);
    const auto wake = next_wakeup(Clock::now());
    const int timeout_ms =
        static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()).count());
    const int n = ::epoll_wait(epoll_.get(), events.data(), events.size(), std::max(0, timeout_ms));
    for (int i = 0; i < n; ++i) {
      auto& c = *static_cast<Connection*>(events[i].data.ptr);
      if (c.fd) on_event(c, events[i].events);
    }
  }
  for (auto& c : connections_)
    stats_.unanswered_at_end += c.measured_in_flight();
  return stats_;
}

}  // namespace

std::uint64_t LoadProgress::responses() const {
  std::uint64_t total = 0;
  for (const auto& c : counters_)
    total += c.value.load(std::memory_order_relaxed);
  return total;
}

std::string render_request(const LoadOptions& options) {
  std::string request = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\n", options.method,
                                    options.target.path, options.target.host_header);
  bool has_agent = false;
  for (const auto& [name, value] : options.headers) {
    request += fmt::format("{}: {}\r\n", name, value);
    has_agent |= strcasecmp(name.c_str(), "user-agent") == 0;
  }
  if (!has_agent) request += "User-Agent: clusterlab-loadgen\r\n";
  if (!options.body.empty()) request += fmt::format("Content-Length: {}\r\n", options.body.size());
  request += "\r\n";
  request += options.body;
  return request;
}

Result<net::SocketAddress> resolve(const Target& target) {
  if (auto literal = net::SocketAddress::parse(target.host, target.port)) return literal;
  // A name: its IPv4 address if it has one (servers here listen on 127.0.0.1 by default),
  // else its first IPv6 one.
  for (const int family : {AF_INET, AF_INET6}) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(target.host.c_str(), nullptr, &hints, &found);
    if (rc == 0 && found != nullptr) {
      auto address = net::SocketAddress::from(found->ai_addr, found->ai_addrlen);
      ::freeaddrinfo(found);
      address.set_port(target.port);
      return address;
    }
    if (family == AF_INET6) {
      return Error{fmt::format("cannot resolve host '{}': {}", target.host, ::gai_strerror(rc))};
    }
  }
  return Error{fmt::format("cannot resolve host '{}'", target.host)};
}

Status check_reachable(const net::SocketAddress& address, const Target& target,
                       std::chrono::milliseconds timeout) {
  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("socket");
  const std::string where = net::host_port(target.host, target.port);
  if (::connect(fd.get(), address.get(), address.length()) == 0) return {};
  if (errno != EINPROGRESS) return errno_error("cannot connect to " + where);
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    return Error{
        fmt::format("cannot connect to {}: no answer within {} ms", where, timeout.count())};
  }
  int error = 0;
  socklen_t len = sizeof error;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) return errno_error("cannot connect to " + where, error);
  return {};
}

Result<LoadResult> run_load(const LoadOptions& options, LoadProgress* progress) {
  auto address = resolve(options.target);
  if (!address) return address.error();
  Shared shared{options};
  shared.request = render_request(options);
  shared.address = address.value();
  shared.budget = static_cast<std::int64_t>(options.amount);
  shared.start = Clock::now();
  shared.measure_start = shared.start + seconds_to_ns(options.warmup_s);
  shared.end = shared.measure_start + seconds_to_ns(options.duration_s);

  const int threads = std::clamp(options.threads, 1, options.connections);
  LoadProgress own_progress(threads);
  LoadProgress& counters = progress ? *progress : own_progress;
  std::vector<LoadStats> per_thread(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    // Connections spread evenly: the first (connections % threads) threads take one more.
    const int share = options.connections / threads + (t < options.connections % threads ? 1 : 0);
    workers.emplace_back([&, t, share] {
      EngineThread thread(shared, t, share, &counters.counter(t));
      per_thread[static_cast<std::size_t>(t)] = thread.run();
    });
  }
  for (auto& w : workers)
    w.join();

  LoadResult result;
  for (const auto& s : per_thread)
    result.stats.merge(s);
  const auto finished = Clock::now();
  result.elapsed_s = std::chrono::duration<double>(finished - shared.measure_start).count();
  result.finish_ms = epoch_ms();
  result.start_ms = result.finish_ms - static_cast<std::int64_t>(result.elapsed_s * 1000);
  result.bailed_out = shared.bail;
  return result;
}

}  // namespace clab::load
