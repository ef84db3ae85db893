// append_response: renders a Response as HTTP/1.1 bytes onto a connection's output.
// Content-Length (no chunked responses; a streamed response has none and ends with the
// connection, as Server-Sent Events may), Date (RFC 9110 6.6.1, cached per second),
// the server's own headers (X-Worker-Id, ...), then either `Connection: close` or the
// Keep-Alive header Node sends. A response to HEAD carries the headers of GET, no body.
#pragma once

#include <chrono>
#include <string>

#include "http/message.hpp"

namespace clab::http {

struct ResponseFraming {
  bool head = false;       // the request was HEAD: no body
  bool keep_alive = true;  // false: `Connection: close`, the connection ends after it
  bool streamed = false;   // only the head: the body follows until the connection closes
  int version_minor = 1;   // HTTP/1.0 clients need `Connection: keep-alive` spelled out
  std::chrono::seconds keep_alive_timeout{5};
  const std::string* server_headers = nullptr;  // pre-rendered lines, each ending in CRLF
};

void append_response(std::string& out, const Response& response, const ResponseFraming& framing);

}  // namespace clab::http
