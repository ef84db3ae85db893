#include "load/response_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace clab::load {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

ResponseParser::State ResponseParser::fail(std::string message) {
  error_ = std::move(message);
  return State::Error;
}

ResponseParser::State ResponseParser::complete() {
  response_.keep_alive = http10_ ? keep_alive_header_ && !connection_close_ : !connection_close_;
  phase_ = Phase::StatusLine;
  return State::Complete;
}

bool ResponseParser::parse_status_line(std::string_view line) {
  // "HTTP/1.1 200 OK"
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ') return false;
  http10_ = line.substr(5, 3) == "1.0";
  int status = 0;
  auto [ptr, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
  if (ec != std::errc() || ptr != line.data() + 12 || status < 100 || status > 999) return false;
  response_ = ParsedResponse{};
  response_.status = status;
  chunked_ = has_length_ = connection_close_ = keep_alive_header_ = false;
  remaining_ = 0;
  return true;
}

void ResponseParser::parse_header(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim(line.substr(colon + 1));
  switch (name.size()) {
    case 14:
      if (iequals(name, "content-length")) {
        std::size_t n = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec == std::errc() && ptr == value.data() + value.size()) {
          remaining_ = n;
          has_length_ = true;
        }
      }
      break;
    case 17:
      if (iequals(name, "transfer-encoding")) chunked_ = contains_token(value, "chunked");
      break;
    case 10:
      if (iequals(name, "connection")) {
        connection_close_ = contains_token(value, "close");
        keep_alive_header_ = contains_token(value, "keep-alive");
      }
      break;
    case 11:
      if (iequals(name, "x-worker-id")) {
        int id = -1;
        std::from_chars(value.data(), value.data() + value.size(), id);
        response_.worker_id = id;
      }
      break;
    default:
      break;
  }
}

ResponseParser::State ResponseParser::end_of_headers() {
  const int s = response_.status;
  if (head_ || (s >= 100 && s < 200) || s == 204 || s == 304) return complete();
  if (chunked_) {
    phase_ = Phase::ChunkSize;
  } else if (has_length_) {
    if (remaining_ == 0) return complete();
    phase_ = Phase::Body;
  } else {
    phase_ = Phase::BodyUntilClose;
    connection_close_ = true;
  }
  return State::NeedMore;
}

ResponseParser::State ResponseParser::parse(std::string_view data, std::size_t* consumed) {
  std::size_t pos = 0;
  auto finish = [&](State state) {
    *consumed = pos;
    response_.bytes += pos;
    return state;
  };
  // The next whole line (without CRLF), or nullopt when it has not fully arrived.
  auto next_line = [&](std::string_view* line) -> bool {
    const char* start = data.data() + pos;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', data.size() - pos));
    if (nl == nullptr) return false;
    std::size_t length = static_cast<std::size_t>(nl - start);
    pos += length + 1;
    if (length > 0 && start[length - 1] == '\r') --length;
    *line = std::string_view(start, length);
    return true;
  };

  while (pos < data.size()) {
    std::string_view line;
    switch (phase_) {
      case Phase::StatusLine:
        if (!next_line(&line)) {
          if (data.size() - pos > kMaxLine) return finish(fail("status line too long"));
          return finish(State::NeedMore);
        }
        if (!parse_status_line(line)) {
          return finish(fail("malformed status line '" + std::string(line.substr(0, 80)) + "'"));
        }
        phase_ = Phase::Headers;
        break;
      case Phase::Headers:
        if (!next_line(&line)) {
          if (data.size() - pos > kMaxLine) return finish(fail("header line too long"));
          return finish(State::NeedMore);
        }
        if (line.empty()) {
          if (end_of_headers() == State::Complete) return finish(State::Complete);
        } else {
          parse_header(line);
        }
        break;
      case Phase::Body: {
        const std::size_t take = std::min(remaining_, data.size() - pos);
        pos += take;
        remaining_ -= take;
        if (remaining_ == 0) return finish(complete());
        break;
      }
      case Phase::BodyUntilClose:
        pos = data.size();
        break;
      case Phase::ChunkSize: {
        if (!next_line(&line)) return finish(State::NeedMore);
        const std::string_view size_text = line.substr(0, line.find(';'));
        std::size_t size = 0;
        auto [ptr, ec] =
            std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
        if (size_text.empty() || ec != std::errc()) return finish(fail("malformed chunk size"));
        remaining_ = size;
        phase_ = size == 0 ? Phase::Trailers : Phase::ChunkData;
        break;
      }
      case Phase::ChunkData: {
        const std::size_t take = std::min(remaining_, data.size() - pos);
        pos += take;
        remaining_ -= take;
        if (remaining_ == 0) phase_ = Phase::ChunkEnd;
        break;
      }
      case Phase::ChunkEnd:
        if (!next_line(&line)) return finish(State::NeedMore);
        if (!line.empty()) return finish(fail("chunk data longer than its size"));
        phase_ = Phase::ChunkSize;
        break;
      case Phase::Trailers:
        if (!next_line(&line)) return finish(State::NeedMore);
        if (line.empty()) return finish(complete());
        break;
    }
  }
  return finish(State::NeedMore);
}

ResponseParser::State ResponseParser::finish_at_eof() {
  if (phase_ == Phase::BodyUntilClose) return complete();
  return fail("connection closed in the middle of a response");
}

}  // namespace clab::load
