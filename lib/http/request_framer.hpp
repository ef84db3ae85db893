// frame_request: finds one complete HTTP/1.1 request at the front of the bytes a connection
// has received, checks it by RFC 9112's rules and says how many bytes it took; or that more
// bytes are needed; or why the bytes can never become a request, with the status to answer
// (400, 413, 414, 431, 501, 505) before closing the connection.
//
// Strict where leniency has let requests be smuggled or misread: every line must end in CRLF
// (a bare LF or CR is a 400), methods are upper case, a header line needs a colon and no
// space before it, no obsolete line folding, HTTP/1.1 needs exactly one Host, and
// Content-Length (digits only) and Transfer-Encoding (chunked, last) never come together.
// Empty lines before a request line are skipped (RFC 9112 2.2). Input may end anywhere: the
// answer for a prefix of a request is NeedMore, or Invalid as soon as the prefix already
// proves it (a bad method is rejected before its line ends).
// Stateless: call it again with the longer input; `out` is only meaningful after Complete.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace clab::http {

struct FramingLimits {
  std::size_t request_line = 8 * 1024;     // 414 beyond
  std::size_t header_section = 16 * 1024;  // request line and headers; 431 beyond
  std::size_t header_count = 100;          // 431 beyond
  std::size_t body = 1024 * 1024;          // 413 beyond
};

struct Framed {
  enum class State { NeedMore, Complete, Invalid };
  State state = State::NeedMore;
  std::size_t consumed = 0;  // Complete: the request's bytes, leading empty lines included
  int status = 0;            // Invalid: the status to answer with
  std::string reason;        // Invalid: one line for the response body
};

Framed frame_request(std::string_view input, const FramingLimits& limits, Request& out);

}  // namespace clab::http
