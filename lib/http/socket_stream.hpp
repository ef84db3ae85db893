// SocketStream: an httplib::Stream over one connected TCP socket we accepted ourselves,
// with a read buffer (cpp-httplib reads request lines one byte at a time) and poll-based
// read and write timeouts. Owns no descriptor: the connection's owner closes it.
#pragma once

#include <httplib.h>

#include <array>
#include <chrono>
#include <cstddef>

namespace clab::http {

class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, std::chrono::milliseconds read_timeout,
               std::chrono::milliseconds write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  // True when bytes of a next (pipelined) request are already buffered.
  bool has_buffered_input() const { return begin_ < end_; }
  // True when a next request can be read without waiting: buffered, or in the socket.
  bool input_ready() const;
  enum class Wait { Readable, Woken, TimedOut };
  // Waits until the peer sends something or closes (Readable), `wake_fd` becomes readable
  // while the peer has sent nothing (Woken), or the timeout passes.
  Wait wait_readable(std::chrono::milliseconds timeout, int wake_fd) const;

 private:
  int fd_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  std::array<char, 16 * 1024> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace clab::http
