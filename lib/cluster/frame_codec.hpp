// The IPC wire format, apart from any socket: one frame per message.
//
//   [4 bytes: payload length, big-endian][1 byte: number of fds][payload: JSON text]
//
// The fds travel as SCM_RIGHTS ancillary data attached to the frame's first byte, so by
// the time a frame is complete its fds have arrived. FrameDecoder accepts bytes and fds
// in any split and yields whole messages in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/descriptor_stream.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::cluster {

inline constexpr std::size_t kFrameHeaderSize = 5;
inline constexpr std::size_t kMaxPayloadSize = 64u << 20;  // 64 MiB

struct IpcMessage {
  nlohmann::json body;
  std::vector<UniqueFd> fds;  // as many as the frame announced; invalid ones when lost
  bool fds_lost = false;      // the receiver could not take the descriptors (EMFILE)
};

// Encodes one frame (header and payload) for a message that will carry fd_count fds.
std::string encode_frame(const nlohmann::json& body, std::size_t fd_count);

// Reassembles frames from a byte stream. Not thread-safe.
class FrameDecoder {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  void feed_fd(UniqueFd fd) { fds_.push_back(std::move(fd)); }
  // The kernel could not hand over the descriptors of the bytes fed next (the receiver was
  // out of descriptors: MSG_CTRUNC). The next frame missing fds gets invalid ones and
  // fds_lost, instead of being an error: one message loses its descriptors, not the stream.
  void fds_lost() { fds_lost_ = true; }

  // The next whole message, nullopt if more bytes are needed, or an Error when the stream
  // is corrupt (oversized frame, missing fds, malformed JSON); after an Error the decoder
  // must not be used again.
  Result<std::optional<IpcMessage>> next();

  std::size_t buffered_bytes() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  std::size_t offset_ = 0;  // start of the first unread frame in buffer_
  std::deque<UniqueFd> fds_;
  bool fds_lost_ = false;
};

}  // namespace clab::cluster
