// DescriptorStream: a non-blocking unix stream socket that carries bytes and descriptors
// (SCM_RIGHTS), whatever the framing above it (ClusterLab's frames, Node's JSON lines).
//
// queue() appends bytes and the descriptors that travel with their first byte, and writes
// what the socket takes now; flush() continues when it is writable again, so a slow peer
// never blocks an event loop. read_available() hands over each read as it came, with the
// descriptors that came with it: Linux ends a read at a message that carries descriptors,
// so a read holds the descriptors of at most one sender's write.
// Invariant: bytes and descriptors leave in the order queued. Thread-safety: none.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::cluster {

inline constexpr std::size_t kMaxFdsPerMessage = 8;

class DescriptorStream {
 public:
  DescriptorStream() = default;
  explicit DescriptorStream(UniqueFd fd);

  int fd() const { return fd_.get(); }
  bool is_open() const { return fd_.valid(); }
  void close();

  // Queues `bytes`, with `fds` (at most kMaxFdsPerMessage, owned: closed once sent) on their
  // first byte, and writes what the socket accepts now. Fails when the peer is gone (EPIPE).
  Status queue(std::string bytes, std::vector<UniqueFd> fds = {});
  // Writes queued bytes until done, the socket would block, or the kernel refuses more
  // descriptors in flight (ETOOMANYREFS: a user may have at most RLIMIT_NOFILE descriptors
  // travelling in sockets; they leave as the peer reads them).
  Status flush();
  bool has_pending_output() const { return !outbox_.empty(); }
  // Pending output that waits for the socket to be writable. False while blocked on
  // descriptors in flight: writability says nothing then; flush() again once the peer has
  // read some.
  bool wants_writable() const { return !outbox_.empty() && !blocked_on_descriptors_; }
  // Blocks (poll) until the outbox is empty or timeout_ms passes.
  Status flush_blocking(int timeout_ms);

  // One read: its bytes, the descriptors that came with them, and whether the kernel had to
  // drop descriptors because this process had no room for them (MSG_CTRUNC).
  struct Chunk {
    std::string_view bytes;
    std::vector<UniqueFd> fds;
    bool fds_lost = false;
  };
  enum class ReadState { Open, Closed };
  // Reads everything available now, handing each read to `on_chunk`; an error it returns
  // ends the reading and is returned. Closed at EOF (the peer exited or closed its end).
  Result<ReadState> read_available(const std::function<Status(Chunk)>& on_chunk);
  // Blocks until the socket is readable or timeout_ms passes (false).
  Result<bool> wait_readable(int timeout_ms) const;

 private:
  struct Outgoing {
    std::string bytes;
    std::size_t offset = 0;
    std::vector<UniqueFd> fds;  // sent with the first byte, then closed
  };

  UniqueFd fd_;
  std::deque<Outgoing> outbox_;
  bool blocked_on_descriptors_ = false;
};

}  // namespace clab::cluster
