#include "http/conversation.hpp"

#include "http/response_writer.hpp"

namespace clab::http {

void Conversation::received(std::string_view bytes, Clock::time_point now) {
  if (bytes.empty()) return;
  if (input_.empty()) request_started_ = now;
  input_.append(bytes);
}

Framed::State Conversation::next(Clock::time_point now) {
  last_ = frame_request(input_, settings_->limits, request_);
  if (last_.state == Framed::State::Complete) {
    input_.erase(0, last_.consumed);
    // What is left is the start of a pipelined request: its clock runs from now.
    request_started_ = input_.empty() ? std::nullopt : std::optional(now);
  }
  return last_.state;
}

bool Conversation::complete_request_buffered() const {
  Request scratch;
  return frame_request(input_, settings_->limits, scratch).state == Framed::State::Complete;
}

bool Conversation::answer(Response& response, bool winding_down) {
  ++served_;
  bool keep_alive = request_.keep_alive;
  if (keep_alive && (winding_down || served_ >= settings_->keep_alive_max_requests)) {
    ++answered_winding_down_;
    keep_alive =
        answered_winding_down_ < settings_->drain_pipeline_limit && complete_request_buffered();
  }
  response.closes_connection = !keep_alive;
  append_response(
      output_, response,
      {.head = request_.method == "HEAD",
       .keep_alive = keep_alive,
       .version_minor = request_.version_minor,
       .keep_alive_timeout = std::chrono::ceil<std::chrono::seconds>(settings_->keep_alive_timeout),
       .server_headers = server_headers_});
  return !keep_alive;
}

void Conversation::begin_stream(Response& response) {
  ++served_;
  response.closes_connection = true;
  append_response(output_, response,
                  {.keep_alive = false, .streamed = true, .server_headers = server_headers_});
}

void Conversation::reject() {
  reject_with(last_.status, last_.reason);
}

void Conversation::reject_timed_out() {
  reject_with(408, "the request did not arrive in time");
}

void Conversation::reject_with(int status, const std::string& reason) {
  Response response{.status = status,
                    .body = std::string(reason_phrase(status)) + ": " + reason + "\n"};
  response.closes_connection = true;
  append_response(output_, response, {.keep_alive = false, .server_headers = server_headers_});
  input_.clear();
  request_started_.reset();
}

}  // namespace clab::http
