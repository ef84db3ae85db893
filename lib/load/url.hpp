// The target of a load test: an http:// URL split into what the engine needs.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace clab::load {

struct Target {
  std::string host;  // as written in the URL, an IPv6 literal without its brackets
  std::uint16_t port = 80;
  std::string path = "/";   // path and query
  std::string host_header;  // host[:port], for the Host header
  std::string url() const { return "http://" + host_header + path; }
};

// Percent-encodes what may not stand in a request target as it is (spaces, controls, quotes,
// bytes above 127): "/a b" -> "/a%20b". '%' stays, so an encoded URL is not encoded twice.
std::string encode_request_target(const std::string& text);

// Parses "http://host[:port][/path][?query]", the host an IPv4 or IPv6 literal ("[::1]") or
// a name; the path is percent-encoded and a #fragment dropped, as a browser does. https:// and
// other schemes, a missing host or a bad port are errors that name the URL and what was expected.
Result<Target> parse_url(const std::string& url);

}  // namespace clab::load
