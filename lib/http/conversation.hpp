// Conversation: one connection's HTTP/1.1 exchange without the I/O, the part both serving
// models share. Bytes read go in with received(); next() frames requests out of them in
// order; answer() renders the response to the current one onto output() and decides
// whether the connection ends with it:
//  - the client asked (`Connection: close`, HTTP/1.0 without keep-alive);
//  - winding down (the server drains, or the keep-alive request limit is reached): requests
//    the client already sent are answered, and the last of them (or the drain_pipeline_limit-th)
//    says `Connection: close`, so a pipelining client is never cut off mid-batch;
//  - input that can never be a request is rejected once (reject()), with Connection: close.
// Invariant: requests are answered in the order they arrived, exactly once each.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/connection_settings.hpp"
#include "http/message.hpp"
#include "http/request_framer.hpp"

namespace clab::http {

class Conversation {
 public:
  using Clock = std::chrono::steady_clock;

  // `server_headers` (rendered lines, each ending in CRLF) must outlive the conversation.
  Conversation(const ConnectionSettings& settings, const std::string& server_headers)
      : settings_(&settings), server_headers_(&server_headers) {}

  void received(std::string_view bytes, Clock::time_point now);
  // Frames the next request; after Complete, request() is it, until the next call.
  Framed::State next(Clock::time_point now);
  const Request& request() const { return request_; }
  // Renders the answer to request(); true when the connection ends with it.
  bool answer(Response& response, bool winding_down);
  // Renders only the head of the answer to request(): its body is streamed after it until
  // the connection closes (Server-Sent Events).
  void begin_stream(Response& response);
  // Renders the answer to input that is no request (after Invalid, or 408 for a request too
  // slow to arrive); the connection ends with it.
  void reject();
  void reject_timed_out();

  std::string& output() { return output_; }
  bool has_input() const { return !input_.empty(); }
  std::size_t buffered_input() const { return input_.size(); }
  // When the first byte of the request still incomplete arrived; nullopt with none.
  std::optional<Clock::time_point> request_started() const { return request_started_; }
  std::size_t served() const { return served_; }

 private:
  void reject_with(int status, const std::string& reason);
  bool complete_request_buffered() const;

  const ConnectionSettings* settings_;
  const std::string* server_headers_;
  std::string input_;
  std::string output_;
  Request request_;
  Framed last_;
  std::optional<Clock::time_point> request_started_;
  std::size_t served_ = 0;
  std::size_t answered_winding_down_ = 0;
};

}  // namespace clab::http
