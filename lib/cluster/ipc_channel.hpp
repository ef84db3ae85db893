// IpcChannel: one end of a primary<->worker unix stream socketpair carrying framed JSON
// messages (see frame_codec.hpp), each with up to kMaxFdsPerMessage descriptors.
//
// The socket is non-blocking. send() queues a message and writes what the socket takes
// now; flush() continues when the socket is writable again, so a slow peer never blocks
// the primary's event loop. Invariant: messages and their fds arrive whole and in order.
// Thread-safety: none; the worker side wraps sends in a mutex (WorkerRuntime).
#pragma once

#include <deque>
#include <nlohmann/json.hpp>
#include <span>
#include <utility>
#include <vector>

#include "cluster/frame_codec.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::cluster {

class IpcChannel {
 public:
  // A connected pair: first for this process, second for the child.
  static Result<std::pair<IpcChannel, UniqueFd>> create_pair();

  IpcChannel() = default;
  explicit IpcChannel(UniqueFd fd);

  int fd() const { return fd_.get(); }
  bool is_open() const { return fd_.valid(); }
  void close() { fd_.reset(); }

  // Queues a message and its fds (duplicated: the caller keeps its own) and writes what
  // the socket accepts now. Fails when the peer is gone (EPIPE) or a dup fails.
  Status send(const nlohmann::json& body, std::span<const int> fds = {});
  // Writes queued bytes until done, the socket would block, or the kernel refuses more
  // descriptors in flight (ETOOMANYREFS: a user may have at most RLIMIT_NOFILE descriptors
  // travelling in sockets; they leave as the peer reads them).
  Status flush();
  bool has_pending_output() const { return !outbox_.empty(); }
  // Pending output that waits for the socket to be writable. False while blocked on
  // descriptors in flight: writability says nothing then; flush() again once the peer has
  // read some (an acknowledgement arrived).
  bool wants_writable() const { return !outbox_.empty() && !blocked_on_descriptors_; }
  // Blocks (poll) until the outbox is empty or timeout_ms passes.
  Status flush_blocking(int timeout_ms);

  enum class ReadState { Open, Closed };
  // Reads everything available now and appends each complete message to out. Returns
  // Closed at EOF (the peer has exited or closed its end).
  Result<ReadState> read_available(std::vector<IpcMessage>& out);
  // Blocks until one message arrives, EOF (nullopt), or timeout (Error).
  Result<std::optional<IpcMessage>> receive(int timeout_ms);

 private:
  struct Outgoing {
    std::string bytes;
    std::size_t offset = 0;
    std::vector<UniqueFd> fds;  // sent with the first byte, then closed
  };

  UniqueFd fd_;
  std::deque<Outgoing> outbox_;
  bool blocked_on_descriptors_ = false;
  FrameDecoder decoder_;
  std::vector<IpcMessage> ready_;  // decoded but not yet returned by receive()
};

}  // namespace clab::cluster
