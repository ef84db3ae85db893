#include "http/response_writer.hpp"

#include <fmt/format.h>

#include <ctime>
#include <iterator>

namespace clab::http {
namespace {

// "Sun, 29 Nov 2026 17:53:54 GMT", rendered again only when the second changes.
std::string_view http_date() {
  thread_local std::time_t rendered_for = -1;
  thread_local char text[40];
  thread_local std::size_t length = 0;
  const std::time_t now = std::time(nullptr);
  if (now != rendered_for) {
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    rendered_for = now;
  }
  return {text, length};
}

}  // namespace

void append_response(std::string& out, const Response& response, const ResponseFraming& framing) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "HTTP/1.1 {} {}\r\nContent-Type: {}\r\n", response.status,
                 reason_phrase(response.status), response.content_type);
  if (!framing.streamed) fmt::format_to(it, "Content-Length: {}\r\n", response.body.size());
  fmt::format_to(it, "Date: {}\r\n", http_date());
  if (framing.server_headers != nullptr) out += *framing.server_headers;
  for (const auto& h : response.headers)
    fmt::format_to(it, "{}: {}\r\n", h.name, h.value);
  if (!framing.keep_alive || framing.streamed) {
    out += "Connection: close\r\n\r\n";
  } else {
    if (framing.version_minor == 0) out += "Connection: keep-alive\r\n";
    fmt::format_to(it, "Keep-Alive: timeout={}\r\n\r\n", framing.keep_alive_timeout.count());
  }
  if (!framing.head && !framing.streamed) out += response.body;
}

}  // namespace clab::http
