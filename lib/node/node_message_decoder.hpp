// Node.js's IPC framing with its default 'json' serialization
// (lib/internal/child_process/serialization.js): each message is one JSON value on one line,
// written with JSON.stringify and read back with JSON.parse.
//
// NodeMessageDecoder turns the reads of a channel into messages. A read may bring
// descriptors; they wait, in order, as libuv's pending handles do, for the next NODE_HANDLE
// envelope, which takes the first (Node: channel.pendingHandle). Invariant: messages come out
// in the order their lines ended; a descriptor is owned by exactly one message or the queue.
#pragma once

#include <cstddef>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::node {

// A line longer than this ends the channel: Node has no limit, a process manager needs one.
inline constexpr std::size_t kMaxLineBytes = 16u << 20;

struct NodeMessage {
  nlohmann::json body;
  UniqueFd handle;  // a NODE_HANDLE envelope's descriptor; invalid when none arrived with it
};

// Node's INTERNAL_PREFIX rule: an object whose `cmd` is a string starting with "NODE_" is the
// runtime's own ('internalMessage'); anything else is the app's ('message').
bool is_internal(const nlohmann::json& message);

class NodeMessageDecoder {
 public:
  void feed(std::string_view bytes);
  void feed_handle(UniqueFd fd) { handles_.push_back(std::move(fd)); }

  // The next message, or nullopt when no whole line is buffered. A line that is not JSON is
  // an Error naming it and is dropped (the next call goes on after it); a line over
  // kMaxLineBytes is an Error after which broken() is true and nothing more comes out.
  Result<std::optional<NodeMessage>> next();
  bool broken() const { return broken_; }
  std::size_t buffered_bytes() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  std::size_t offset_ = 0;   // start of the first unread line
  std::size_t scanned_ = 0;  // bytes after offset_ known to hold no newline
  std::deque<UniqueFd> handles_;
  bool broken_ = false;
};

}  // namespace clab::node
