// NodeChannel: the parent's end of a Node.js IPC channel, what child_process.fork() gives a
// parent (lib/internal/child_process.js, setupChannel), spoken from C++ over a
// DescriptorStream with Node's 'json' framing (node_message_decoder.hpp).
//
// send() writes one message. send_handle() sends a descriptor the way Node sends a handle:
// the message wrapped in {"cmd":"NODE_HANDLE","type":...,"msg":...}, the descriptor on the
// line's first byte. As in Node, one handle is in flight at a time: until the peer answers
// NODE_HANDLE_ACK, every later message waits in a queue, so that messages keep their order;
// NODE_HANDLE_NACK (the descriptor did not arrive) sends it again, at most three times
// (Node's MAX_HANDLE_RETRANSMISSIONS). Received envelopes are answered (ACK, or NACK when
// their descriptor is missing) and delivered unwrapped, with the descriptor.
// Invariant: the peer sees messages in the order they were sent; acknowledgements pass the
// queue, as Node's do. Thread-safety: none; one event loop owns it.
#pragma once

#include <cstddef>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/descriptor_stream.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "node/node_message_decoder.hpp"

namespace clab::node {

inline constexpr int kMaxHandleRetransmissions = 3;

class NodeChannel {
 public:
  // A connected pair: the first end for this process, the second (blocking, close-on-exec
  // until the spawner clears it) for the child's NODE_CHANNEL_FD.
  static Result<std::pair<NodeChannel, UniqueFd>> create_pair();

  NodeChannel() = default;
  explicit NodeChannel(UniqueFd fd) : stream_(std::move(fd)) {}

  int fd() const { return stream_.fd(); }
  bool is_open() const { return stream_.is_open(); }
  void close();

  Status send(nlohmann::json message);
  // `type` is Node's name for the handle's kind: "net.Native" for a bare TCP or pipe handle
  // (what node:cluster's primary sends). The descriptor is duplicated; the caller keeps its own.
  Status send_handle(nlohmann::json message, int fd, std::string type = "net.Native");
  // True while a sent handle waits for its acknowledgement (messages queue behind it).
  bool awaiting_ack() const { return in_flight_.has_value(); }
  std::size_t queued() const { return queue_.size(); }

  Status flush() { return stream_.flush(); }
  bool has_pending_output() const { return stream_.has_pending_output(); }
  bool wants_writable() const { return stream_.wants_writable(); }

  struct Received {
    nlohmann::json message;  // unwrapped from its NODE_HANDLE envelope
    UniqueFd handle;         // the descriptor that came with it, if any
    bool internal = false;   // Node's 'internalMessage' rather than 'message'
  };
  using ReadState = cluster::DescriptorStream::ReadState;
  // Reads what has arrived: messages into `out`, and into `problems` one line for each
  // thing the peer got wrong (a line that is not JSON, a handle given up after three NACKs).
  // Closed at EOF, or when the peer broke the framing (a line over kMaxLineBytes: then the
  // last problem says so).
  Result<ReadState> read_available(std::vector<Received>& out, std::vector<std::string>& problems);

 private:
  struct Outgoing {
    nlohmann::json message;  // as written: the envelope, for a handle
    UniqueFd handle;         // our copy, kept until the peer acknowledges it
    int retransmissions = 0;
  };
  Status write(Outgoing outgoing);
  Status write_line(const nlohmann::json& message, int fd);
  Status on_ack(bool acknowledged, std::vector<std::string>& problems);
  void on_envelope(NodeMessage envelope, std::vector<Received>& out);

  cluster::DescriptorStream stream_;
  NodeMessageDecoder decoder_;
  std::optional<Outgoing> in_flight_;  // the handle sent and not yet acknowledged
  std::deque<Outgoing> queue_;         // sent after it, in order
};

}  // namespace clab::node
