// ResponseParser: an incremental HTTP/1.1 response parser for the load generator.
//
// Feed it bytes as they arrive, split anywhere; it reports each complete response with its
// status, whether the connection stays open, and the value of X-Worker-Id. Bodies are
// skipped, not copied: Content-Length, chunked transfer coding (with trailers) and
// bodies delimited by the connection closing are all understood. Responses to HEAD and
// 1xx/204/304 responses have no body.
// Invariant: between responses the parser is in its initial state; one parser per
// connection; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace clab::load {

struct ParsedResponse {
  int status = 0;
  bool keep_alive = true;  // false: the server closes after this response
  int worker_id = -1;      // X-Worker-Id, -1 when absent
  std::size_t bytes = 0;   // header and body bytes on the wire
};

class ResponseParser {
 public:
  enum class State { NeedMore, Complete, Error };

  // Tells the parser the request was a HEAD (the response then has no body).
  void expect_head_response(bool head) { head_ = head; }

  // Parses from `data`; sets *consumed to the bytes used. Complete: response() holds the
  // response and the rest of `data` belongs to the next one. NeedMore: every byte that
  // could be used was; an incomplete line is left unconsumed, so the caller keeps it and
  // calls again with it and more bytes. Error: error() says what was wrong.
  State parse(std::string_view data, std::size_t* consumed);

  // The connection reached end of file: completes a body delimited by close.
  State finish_at_eof();

  const ParsedResponse& response() const { return response_; }
  const std::string& error() const { return error_; }
  // True after a status line until its response is complete.
  bool in_progress() const { return phase_ != Phase::StatusLine; }

  static constexpr std::size_t kMaxLine = 64 * 1024;

 private:
  enum class Phase {
    StatusLine,
    Headers,
    Body,
    BodyUntilClose,
    ChunkSize,
    ChunkData,
    ChunkEnd,
    Trailers
  };

  State fail(std::string message);
  State complete();
  bool parse_status_line(std::string_view line);
  void parse_header(std::string_view line);
  State end_of_headers();

  Phase phase_ = Phase::StatusLine;
  ParsedResponse response_;
  std::size_t remaining_ = 0;  // body or chunk bytes still to skip
  bool chunked_ = false;
  bool has_length_ = false;
  bool connection_close_ = false;
  bool http10_ = false;
  bool keep_alive_header_ = false;
  bool head_ = false;
  std::string error_;
};

}  // namespace clab::load
