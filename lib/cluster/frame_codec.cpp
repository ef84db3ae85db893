#include "cluster/frame_codec.hpp"

#include <fmt/format.h>

namespace clab::cluster {

std::string encode_frame(const nlohmann::json& body, std::size_t fd_count) {
  std::string payload = body.dump();
  if (payload.size() > kMaxPayloadSize) {
    throw std::length_error(fmt::format("IPC message of {} bytes exceeds the {} byte limit",
                                        payload.size(), kMaxPayloadSize));
  }
  if (fd_count > kMaxFdsPerMessage) throw std::length_error("too many fds in one IPC message");
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string frame;
  frame.reserve(kFrameHeaderSize + payload.size());
  frame.push_back(static_cast<char>(n >> 24));
  frame.push_back(static_cast<char>(n >> 16));
  frame.push_back(static_cast<char>(n >> 8));
  frame.push_back(static_cast<char>(n));
  frame.push_back(static_cast<char>(fd_count));
  frame += payload;
  return frame;
}

Result<std::optional<IpcMessage>> FrameDecoder::next() {
  const std::size_t available = buffer_.size() - offset_;
  if (available < kFrameHeaderSize) return std::optional<IpcMessage>{};
  const auto* h = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  const std::size_t length = (std::size_t{h[0]} << 24) | (std::size_t{h[1]} << 16) |
                             (std::size_t{h[2]} << 8) | std::size_t{h[3]};
  const std::size_t fd_count = h[4];
  if (length > kMaxPayloadSize) {
    return Error{
        fmt::format("ipc: frame of {} bytes exceeds the {} byte limit", length, kMaxPayloadSize)};
  }
  if (fd_count > kMaxFdsPerMessage) {
    return Error{fmt::format("ipc: frame announces {} fds, at most {} allowed", fd_count,
                             kMaxFdsPerMessage)};
  }
  if (available < kFrameHeaderSize + length) return std::optional<IpcMessage>{};
  IpcMessage message;
  if (fds_.size() < fd_count) {
    if (!fds_lost_) {
      return Error{
          fmt::format("ipc: frame announces {} fds but {} arrived", fd_count, fds_.size())};
    }
    fds_lost_ = false;
    message.fds_lost = true;
    while (fds_.size() < fd_count)
      fds_.emplace_back();  // invalid: the descriptor that did not arrive
  }
  const std::string_view payload(buffer_.data() + offset_ + kFrameHeaderSize, length);
  message.body = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (message.body.is_discarded()) {
    return Error{fmt::format("ipc: malformed JSON message of {} bytes", length)};
  }
  for (std::size_t i = 0; i < fd_count; ++i) {
    message.fds.push_back(std::move(fds_.front()));
    fds_.pop_front();
  }
  offset_ += kFrameHeaderSize + length;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > (1u << 16) && offset_ > buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return std::optional<IpcMessage>{std::move(message)};
}

}  // namespace clab::cluster
