// SocketStream: blocking-style I/O with timeouts on one connected socket, for the
// thread-pool model (every call tries the socket first and polls only when it would block:
// one system call per operation on a busy keep-alive connection). Owns no descriptor.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include <sys/types.h>

namespace clab::http {

class SocketStream {
 public:
  explicit SocketStream(int fd) : fd_(fd) {}

  enum class Wait { Readable, Woken, TimedOut };
  // Waits until the peer sends something or closes (Readable), `wake_fd` (if not -1) becomes
  // readable while the peer has sent nothing (Woken), or the timeout passes.
  Wait wait_readable(std::chrono::milliseconds timeout, int wake_fd) const;
  // What the socket holds now, without waiting: > 0 bytes, 0 end of file, -1 nothing or error
  // (errno tells).
  ssize_t receive_now(char* buffer, std::size_t size) const;
  // Writes all of `data`, waiting at most `timeout` each time the socket is full.
  bool send_all(std::string_view data, std::chrono::milliseconds timeout) const;

 private:
  int fd_;
};

}  // namespace clab::http
