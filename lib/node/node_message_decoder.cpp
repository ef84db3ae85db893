#include "node/node_message_decoder.hpp"

#include <fmt/format.h>

namespace clab::node {

bool is_internal(const nlohmann::json& message) {
  if (!message.is_object()) return false;
  const auto cmd = message.find("cmd");
  return cmd != message.end() && cmd->is_string() &&
         cmd->get_ref<const std::string&>().starts_with("NODE_");
}

void NodeMessageDecoder::feed(std::string_view bytes) {
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  buffer_.append(bytes);
}

Result<std::optional<NodeMessage>> NodeMessageDecoder::next() {
  if (broken_) return std::optional<NodeMessage>{};
  const std::size_t end = buffer_.find('\n', offset_ + scanned_);
  if (end == std::string::npos) {
    scanned_ = buffer_.size() - offset_;
    if (scanned_ > kMaxLineBytes) {
      broken_ = true;
      return Error{
          fmt::format("a message of over {} MiB without its newline", kMaxLineBytes >> 20)};
    }
    return std::optional<NodeMessage>{};
  }
  const std::string_view line(buffer_.data() + offset_, end - offset_);
  NodeMessage message;
  message.body = nlohmann::json::parse(line, nullptr, false);
  std::optional<Error> bad;
  if (message.body.is_discarded()) {
    bad = Error{fmt::format("a line that is not JSON: '{}{}'", line.substr(0, 60),
                            line.size() > 60 ? "..." : "")};
  }
  offset_ = end + 1;
  scanned_ = 0;
  if (offset_ > buffer_.size() / 2) {  // keep the buffer from growing with what was read
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  if (bad) return *bad;
  if (is_internal(message.body) && message.body["cmd"] == "NODE_HANDLE" && !handles_.empty()) {
    message.handle = std::move(handles_.front());
    handles_.pop_front();
  }
  return std::optional<NodeMessage>{std::move(message)};
}

}  // namespace clab::node
