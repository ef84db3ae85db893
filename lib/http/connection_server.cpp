#include "http/connection_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/socket_stream.hpp"

namespace clab::http {

ConnectionServer::ConnectionServer(ConnectionSettings settings)
    : settings_(settings), pool_(settings.max_threads) {
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
  for (std::size_t served = 0; served < settings_.keep_alive_max_requests; ++served) {
    if (!stream.wait_readable(settings_.keep_alive_timeout)) break;
    const bool last = served + 1 == settings_.keep_alive_max_requests;
    bool closed_by_request = false;
    if (!process_request(stream, last, closed_by_request, no_setup)) break;
    if (closed_by_request) break;
  }
  std::lock_guard lock(mutex_);
  open_.erase(fd);
  ::close(fd);
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
