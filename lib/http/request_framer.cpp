#include "http/request_framer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace clab::http {
namespace {

constexpr std::size_t npos = std::string_view::npos;
constexpr std::size_t kMaxMethod = 32;
constexpr std::size_t kMaxChunkLine = 1024;

Framed invalid(int status, std::string reason) {
  return {Framed::State::Invalid, 0, status, std::move(reason)};
}

Framed need_more() {
  return {};
}

bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != npos;
}

bool is_visible(char c) {
  return c > 0x20 && c < 0x7f;
}

// What the text shows for a reason line: at most 40 characters, control bytes escaped.
std::string shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  if (text.size() > 40) out += "...";
  return out;
}

std::string_view trim_whitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Checks the method of a request line, complete or not; empty when it is (so far) good.
std::string method_problem(std::string_view line_start) {
  const std::string_view method = line_start.substr(0, line_start.find(' '));
  const bool complete = method.size() < line_start.size();
  for (char c : method) {
    if (c >= 'A' && c <= 'Z') continue;
    if (is_tchar(c))
      return fmt::format("invalid method '{}': methods are upper case", shown(method));
    return fmt::format("invalid method '{}'", shown(method));
  }
  if (method.size() > kMaxMethod) return "method longer than 32 characters";
  if (complete && method.empty()) return "request line starts with a space";
  return {};
}

// Splits the request target into path and query; false for a form no origin server takes.
bool split_target(Request& out) {
  std::string_view target = out.target;
  if (target == "*") {
    out.path = "*";
    out.query.clear();
    return out.method == "OPTIONS";
  }
  for (std::string_view scheme : {"http://", "https://"}) {  // absolute-form (RFC 9112 3.2.2)
    if (target.size() > scheme.size() &&
        equals_ignoring_case(target.substr(0, scheme.size()), scheme)) {
      const auto slash = target.find('/', scheme.size());
      target = slash == npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  if (target.empty() || target.front() != '/') return false;
  const auto question = target.find('?');
  out.path.assign(target.substr(0, question));
  if (question == npos)
    out.query.clear();
  else
    out.query.assign(target.substr(question + 1));
  return true;
}

Framed parse_request_line(std::string_view line, Request& out) {
  if (auto problem = method_problem(line); !problem.empty()) return invalid(400, problem);
  const auto first_space = line.find(' ');
  if (first_space == npos)
    return invalid(400, fmt::format("malformed request line '{}'", shown(line)));
  const auto second_space = line.find(' ', first_space + 1);
  if (second_space == npos)
    return invalid(400, fmt::format("malformed request line '{}': expected METHOD TARGET HTTP/1.1",
                                    shown(line)));
  const std::string_view target = line.substr(first_space + 1, second_space - first_space - 1);
  const std::string_view version = line.substr(second_space + 1);
  if (target.empty() || !std::all_of(target.begin(), target.end(), is_visible))
    return invalid(400, fmt::format("malformed request target '{}'", shown(target)));
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !digit(version[5]) ||
      version[6] != '.' || !digit(version[7]))
    return invalid(400, fmt::format("malformed HTTP version '{}'", shown(version)));
  if (version[5] != '1')
    return invalid(505, fmt::format("{} is not supported: this server speaks HTTP/1.1", version));
  out.method.assign(line.substr(0, first_space));
  out.target.assign(target);
  out.version_minor = version[7] == '0' ? 0 : 1;  // a later 1.x is answered as 1.1
  if (!split_target(out))
    return invalid(400, fmt::format("request target '{}' must start with '/'", shown(target)));
  return {Framed::State::Complete};
}

Framed parse_header_line(std::string_view line, Header& out) {
  if (line.front() == ' ' || line.front() == '\t')
    return invalid(400, "obsolete line folding (a header line starting with white space)");
  const auto colon = line.find(':');
  if (colon == npos)
    return invalid(400, fmt::format("header line without a colon: '{}'", shown(line)));
  const std::string_view name = line.substr(0, colon);
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_tchar))
    return invalid(400, fmt::format("invalid header name '{}'", shown(name)));
  const std::string_view value = trim_whitespace(line.substr(colon + 1));
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f)
      return invalid(400, fmt::format("invalid character in header '{}'", name));
  }
  out.name.assign(name);
  out.value.assign(value);
  return {Framed::State::Complete};
}

// Finds the CRLF ending the line that starts at `from`: the index of its LF, npos if the line
// is not complete yet, or an Invalid framing for a bare LF.
Framed find_line_end(std::string_view input, std::size_t from, std::size_t& lf) {
  lf = input.find('\n', from);
  if (lf != npos && (lf == from || input[lf - 1] != '\r'))
    return invalid(400, "bare LF line end: lines end in CRLF");
  return {Framed::State::Complete};
}

bool contains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (equals_ignoring_case(trim_whitespace(list.substr(0, comma)), token)) return true;
    list = comma == npos ? std::string_view{} : list.substr(comma + 1);
  }
  return false;
}

struct BodyFraming {
  bool chunked = false;
  std::uint64_t length = 0;
};

// RFC 9112 6 and 9.3: Host, the body's framing, and whether the connection may persist.
Framed check_semantics(Request& out, const FramingLimits& limits, BodyFraming& body) {
  int hosts = 0;
  bool has_length = false;
  std::string codings;
  std::string connection;
  for (const auto& h : out.headers) {
    if (equals_ignoring_case(h.name, "Host")) {
      ++hosts;
    } else if (equals_ignoring_case(h.name, "Content-Length")) {
      std::uint64_t value = 0;
      const char* end = h.value.data() + h.value.size();
      auto [ptr, ec] = std::from_chars(h.value.data(), end, value);
      if (h.value.empty() || ptr != end || h.value.front() == '+')
        return invalid(400, fmt::format("invalid Content-Length '{}': expected a number of bytes",
                                        shown(h.value)));
      if (ec == std::errc::result_out_of_range || value > limits.body)
        return invalid(413,
                       fmt::format("a body of {} bytes; the limit is {}", h.value, limits.body));
      if (has_length && value != body.length)
        return invalid(400, "Content-Length headers that disagree");
      has_length = true;
      body.length = value;
    } else if (equals_ignoring_case(h.name, "Transfer-Encoding")) {
      codings += codings.empty() ? h.value : "," + h.value;
    } else if (equals_ignoring_case(h.name, "Connection")) {
      connection += connection.empty() ? h.value : "," + h.value;
    }
  }
  if (out.version_minor == 1 && hosts == 0)
    return invalid(400, "no Host header (required since HTTP/1.1)");
  if (hosts > 1) return invalid(400, "more than one Host header");
  if (!codings.empty()) {
    if (has_length) return invalid(400, "both Content-Length and Transfer-Encoding");
    // Only chunked is understood, and it may be applied once: so it is also the last.
    std::string_view rest = codings;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view coding = trim_whitespace(rest.substr(0, comma));
      rest = comma == npos ? std::string_view{} : rest.substr(comma + 1);
      if (!equals_ignoring_case(coding, "chunked"))
        return invalid(501, fmt::format("unsupported Transfer-Encoding '{}': only chunked is",
                                        shown(codings)));
      if (body.chunked)
        return invalid(
            400, fmt::format("unsupported Transfer-Encoding '{}': chunked twice", shown(codings)));
      body.chunked = true;
    }
  }
  out.keep_alive = out.version_minor == 1 ? !contains_token(connection, "close")
                                          : contains_token(connection, "keep-alive");
  return {Framed::State::Complete};
}

// Reads a chunked body starting at `pos`; Complete with `consumed` at its end.
Framed frame_chunked(std::string_view input, std::size_t pos, const FramingLimits& limits,
                     std::string& body) {
  body.clear();
  for (;;) {
    std::size_t lf = 0;
    if (auto bad = find_line_end(input, pos, lf); bad.state == Framed::State::Invalid) return bad;
    if (lf == npos) {
      return input.size() - pos > kMaxChunkLine ? invalid(400, "chunk size line too long")
                                                : need_more();
    }
    std::string_view line = input.substr(pos, lf - 1 - pos);
    line = trim_whitespace(line.substr(0, line.find(';')));
    std::uint64_t size = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (line.empty() || ptr != line.data() + line.size() || ec != std::errc{})
      return invalid(400, fmt::format("invalid chunk size '{}'", shown(line)));
    pos = lf + 1;
    if (size == 0) break;
    if (body.size() + size > limits.body)
      return invalid(413, fmt::format("a chunked body over {} bytes", limits.body));
    if (input.size() < pos + size + 2) return need_more();
    if (input.substr(pos + size, 2) != "\r\n")
      return invalid(400, "chunk data not followed by CRLF");
    body.append(input.substr(pos, size));
    pos += size + 2;
  }
  for (std::size_t trailer_bytes = 0;;) {  // trailer fields, read and dropped
    std::size_t lf = 0;
    if (auto bad = find_line_end(input, pos, lf); bad.state == Framed::State::Invalid) return bad;
    if (lf == npos) return need_more();
    trailer_bytes += lf + 1 - pos;
    if (trailer_bytes > limits.header_section) return invalid(431, "trailer section too large");
    const bool end = lf == pos + 1;
    pos = lf + 1;
    if (end) return {Framed::State::Complete, pos};
  }
}

}  // namespace

Framed frame_request(std::string_view input, const FramingLimits& limits, Request& out) {
  std::size_t pos = 0;
  while (input.substr(pos, 2) == "\r\n")
    pos += 2;  // RFC 9112 2.2: empty lines first
  const std::size_t start = pos;

  std::size_t lf = 0;
  if (auto bad = find_line_end(input, pos, lf); bad.state == Framed::State::Invalid) return bad;
  if (lf == npos) {
    if (input.substr(pos) == "\r") return need_more();  // perhaps an empty line
    if (auto problem = method_problem(input.substr(pos)); !problem.empty())
      return invalid(400, problem);
    if (input.size() - pos > limits.request_line)
      return invalid(414, fmt::format("request line longer than {} bytes", limits.request_line));
    return need_more();
  }
  if (lf - 1 - pos > limits.request_line)
    return invalid(414, fmt::format("request line longer than {} bytes", limits.request_line));
  if (auto line = parse_request_line(input.substr(pos, lf - 1 - pos), out);
      line.state == Framed::State::Invalid)
    return line;
  pos = lf + 1;

  std::size_t count = 0;
  for (;;) {
    if (auto bad = find_line_end(input, pos, lf); bad.state == Framed::State::Invalid) return bad;
    const std::size_t section = (lf == npos ? input.size() : lf + 1) - start;
    if (section > limits.header_section)
      return invalid(431,
                     fmt::format("request header section over {} bytes", limits.header_section));
    if (lf == npos) return need_more();
    const std::string_view line = input.substr(pos, lf - 1 - pos);
    pos = lf + 1;
    if (line.empty()) break;
    if (count == limits.header_count)
      return invalid(431, fmt::format("more than {} header fields", limits.header_count));
    if (count == out.headers.size()) out.headers.emplace_back();
    if (auto header = parse_header_line(line, out.headers[count]);
        header.state == Framed::State::Invalid)
      return header;
    ++count;
  }
  out.headers.resize(count);

  BodyFraming body;
  if (auto checked = check_semantics(out, limits, body); checked.state == Framed::State::Invalid)
    return checked;
  if (body.chunked) return frame_chunked(input, pos, limits, out.body);
  if (input.size() - pos < body.length) return need_more();
  out.body.assign(input.substr(pos, body.length));
  return {Framed::State::Complete, pos + body.length};
}

}  // namespace clab::http
