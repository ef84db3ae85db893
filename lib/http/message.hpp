// Request and Response: one HTTP/1.1 exchange as the routes see it, whichever serving model
// (event loop or thread pool) carried it. A Request is complete when a route gets it: the
// framer (request_framer.hpp) has checked its syntax and read its whole body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clab::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;     // "GET"
  std::string target;     // "/work?ms=5", as sent
  std::string path;       // "/work"
  std::string query;      // "ms=5", without '?'
  int version_minor = 1;  // HTTP/1.<minor>
  std::vector<Header> headers;
  std::string body;        // de-chunked
  bool keep_alive = true;  // the client allows another request on this connection

  // The first header of that name (case-insensitive), or null.
  const std::string* header(std::string_view name) const;
  // The query parameter `name`, percent-decoded ('+' is a space); nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<Header> headers;  // beyond Content-Type, Content-Length, Date and Connection
  // Set by the server when it writes the response: this one ends the connection.
  bool closes_connection = false;
};

// "OK", "Bad Request", ...; "Unknown" for a code this server never sends.
std::string_view reason_phrase(int status);

// ASCII case-insensitive equality, as header names and tokens compare.
bool equals_ignoring_case(std::string_view a, std::string_view b);

}  // namespace clab::http
