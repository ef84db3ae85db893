#include "http_probe.hpp"

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace clab::harness {
namespace {

Reply to_reply(const httplib::Result& result) {
  Reply reply;
  if (!result) {
    reply.error = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.pid = static_cast<pid_t>(std::atoi(result->get_header_value("X-Worker-Pid").c_str()));
  reply.worker = std::atoi(result->get_header_value("X-Worker-Id").c_str());
  return reply;
}

httplib::Client make_client(std::uint16_t port, bool keep_alive) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(keep_alive);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  client.set_write_timeout(std::chrono::seconds(5));
  return client;
}

}  // namespace

Reply fetch(std::uint16_t port, const std::string& path) {
  auto client = make_client(port, /*keep_alive=*/false);
  return to_reply(client.Get(path));
}

HungWorker hang_a_worker(std::uint16_t port) {
  HungWorker hung;
  auto fail = [&hung](std::string why) {
    hung.error = std::move(why);
    hung.connection.reset();
    return std::move(hung);
  };
  hung.connection = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(hung.connection.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return fail(fmt::format("connect: {}", std::strerror(errno)));
  const timeval five_seconds{5, 0};
  ::setsockopt(hung.connection.get(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  auto send_get = [&hung](std::string_view path) {
    const std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    return ::send(hung.connection.get(), request.data(), request.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(request.size());
  };
  if (!send_get("/")) return fail("could not send GET /");
  // The hello is small: its head and body come whole once the body's last line has.
  std::string received;
  char buffer[2048];
  while (received.find("(pid ") == std::string::npos || received.back() != '\n') {
    const ssize_t n = ::recv(hung.connection.get(), buffer, sizeof buffer, 0);
    if (n <= 0) return fail("no answer to GET /");
    received.append(buffer, static_cast<std::size_t>(n));
  }
  const auto header = received.find("X-Worker-Pid: ");
  if (header == std::string::npos) return fail("the answer to GET / named no worker");
  hung.pid = static_cast<pid_t>(std::atoi(received.c_str() + header + 14));
  if (!send_get("/hang")) return fail("could not send GET /hang");
  return hung;
}

LightLoad::LightLoad(std::uint16_t port, std::string path, int connections, int rate)
    : port_(port), path_(std::move(path)), interval_(1'000'000 / std::max(1, rate)) {
  for (int i = 0; i < connections; ++i)
    threads_.emplace_back([this, i] { run_connection(i); });
}

LightLoad::~LightLoad() {
  stop();
}

void LightLoad::stop() {
  stopping_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void LightLoad::run_connection(int) {
  auto client = make_client(port_, /*keep_alive=*/true);
  pid_t connection_pid = 0;  // the worker this connection is on; 0 when not yet known
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    const Reply reply = to_reply(client.Get(path_));
    {
      std::lock_guard lock(mutex_);
      if (reply.status == 200) {
        ++tally_.ok;
        ++tally_.ok_by_pid[reply.pid];
        connection_pid = reply.pid;
      } else {
        if (connection_pid != 0) {
          ++tally_.failed_by_pid[connection_pid];
        } else {
          ++tally_.failed_unattributed;
        }
        if (tally_.errors.size() < 5) {
          tally_.errors.push_back(reply.status ? fmt::format("HTTP {}", reply.status)
                                               : reply.error);
        }
        connection_pid = 0;  // the client opens a new connection for the next request
      }
    }
    progressed_.notify_all();
    next += interval_;  // pacing the load, not waiting for an event
    std::this_thread::sleep_until(next);
  }
}

bool LightLoad::wait_for_ok(std::uint64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return progressed_.wait_for(lock, timeout, [&] { return tally_.ok >= n; });
}

LightLoad::Tally LightLoad::tally() const {
  std::lock_guard lock(mutex_);
  return tally_;
}

}  // namespace clab::harness
