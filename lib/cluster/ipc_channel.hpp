// IpcChannel: one end of a primary<->worker unix stream socketpair carrying framed JSON
// messages (see frame_codec.hpp), each with up to kMaxFdsPerMessage descriptors.
//
// The socket is non-blocking (a DescriptorStream): send() queues a message and writes what
// the socket takes now; flush() continues when the socket is writable again, so a slow peer
// never blocks the primary's event loop. Invariant: messages and their fds arrive whole and
// in order.
// Thread-safety: none; the worker side wraps sends in a mutex (WorkerRuntime).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <utility>
#include <vector>

#include "cluster/descriptor_stream.hpp"
#include "cluster/frame_codec.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::cluster {

class IpcChannel {
 public:
  // A connected pair: first for this process, second for the child.
  static Result<std::pair<IpcChannel, UniqueFd>> create_pair();

  IpcChannel() = default;
  explicit IpcChannel(UniqueFd fd) : stream_(std::move(fd)) {}

  int fd() const { return stream_.fd(); }
  bool is_open() const { return stream_.is_open(); }
  void close() { stream_.close(); }

  // Queues a message and its fds (duplicated: the caller keeps its own) and writes what
  // the socket accepts now. Fails when the peer is gone (EPIPE) or a dup fails.
  Status send(const nlohmann::json& body, std::span<const int> fds = {});
  // The outbox, as DescriptorStream says.
  Status flush() { return stream_.flush(); }
  bool has_pending_output() const { return stream_.has_pending_output(); }
  bool wants_writable() const { return stream_.wants_writable(); }
  Status flush_blocking(int timeout_ms) { return stream_.flush_blocking(timeout_ms); }

  using ReadState = DescriptorStream::ReadState;
  // Reads everything available now and appends each complete message to out. Returns
  // Closed at EOF (the peer has exited or closed its end).
  Result<ReadState> read_available(std::vector<IpcMessage>& out);
  // Blocks until one message arrives, EOF (nullopt), or timeout (Error).
  Result<std::optional<IpcMessage>> receive(int timeout_ms);

 private:
  DescriptorStream stream_;
  FrameDecoder decoder_;
  std::vector<IpcMessage> ready_;  // decoded but not yet returned by receive()
};

}  // namespace clab::cluster
