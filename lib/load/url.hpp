// The target of a load test: an http:// URL split into what the engine needs.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace clab::load {

struct Target {
  std::string host;  // as written in the URL
  std::uint16_t port = 80;
  std::string path = "/";   // path and query
  std::string host_header;  // host[:port], for the Host header
  std::string url() const { return "http://" + host_header + path; }
};

// Parses "http://host[:port][/path][?query]". https:// and other schemes, a missing host
// or a bad port are errors that name the URL and what was expected.
Result<Target> parse_url(const std::string& url);

}  // namespace clab::load
