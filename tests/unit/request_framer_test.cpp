#include "http/request_framer.hpp"

#include <gtest/gtest.h>

namespace clab::http {
namespace {

using State = Framed::State;

Framed frame(std::string_view input, Request& out, FramingLimits limits = {}) {
  return frame_request(input, limits, out);
}

TEST(RequestFramer, FramesAGetAndSplitsItsTarget) {
  Request r;
  const std::string input = "GET /work?ms=5&x=a%20b+c HTTP/1.1\r\nHost: h\r\nX-A:  v \r\n\r\n";
  const Framed f = frame(input, r);
  ASSERT_EQ(f.state, State::Complete) << f.reason;
  EXPECT_EQ(f.consumed, input.size());
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/work");
  EXPECT_EQ(r.query_param("ms"), "5");
  EXPECT_EQ(r.query_param("x"), "a b c");
  EXPECT_EQ(r.query_param("absent"), std::nullopt);
  ASSERT_NE(r.header("x-a"), nullptr);
  EXPECT_EQ(*r.header("X-A"), "v") << "surrounding white space is not part of the value";
  EXPECT_TRUE(r.keep_alive);
}

// Every prefix of a valid request needs more; the whole takes exactly its bytes.
TEST(RequestFramer, EverySplitPointNeedsMoreUntilTheLastByte) {
  const std::string input =
      "\r\nPOST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;ext=1\r\nwiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n";
  for (std::size_t i = 0; i < input.size(); ++i) {
    Request r;
    EXPECT_EQ(frame(input.substr(0, i), r).state, State::NeedMore) << "prefix of " << i;
  }
  Request r;
  const Framed f = frame(input + "GET / HTTP/1.1\r\n", r);
  ASSERT_EQ(f.state, State::Complete) << f.reason;
  EXPECT_EQ(f.consumed, input.size()) << "the pipelined request after it is left";
  EXPECT_EQ(r.body, "wikipedia");
}

TEST(RequestFramer, ContentLengthBodyAndPipelinedRequests) {
  const std::string one = "PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  const std::string two = "GET /b HTTP/1.0\r\n\r\n";
  Request r;
  Framed f = frame(one + two, r);
  ASSERT_EQ(f.state, State::Complete);
  EXPECT_EQ(r.body, "abc");
  f = frame(std::string_view(one + two).substr(f.consumed), r);
  ASSERT_EQ(f.state, State::Complete) << f.reason;
  EXPECT_EQ(r.path, "/b");
  EXPECT_EQ(r.version_minor, 0);
  EXPECT_FALSE(r.keep_alive) << "HTTP/1.0 closes unless it asks for keep-alive";
}

TEST(RequestFramer, ConnectionHeaderDecidesKeepAlive) {
  Request r;
  ASSERT_EQ(frame("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", r).state,
            State::Complete);
  EXPECT_FALSE(r.keep_alive);
  ASSERT_EQ(frame("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", r).state, State::Complete);
  EXPECT_TRUE(r.keep_alive);
}

TEST(RequestFramer, AbsoluteFormTargetsAreServedByTheirPath) {
  Request r;
  ASSERT_EQ(frame("GET http://h:3000/health?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", r).state,
            State::Complete);
  EXPECT_EQ(r.path, "/health");
  EXPECT_EQ(r.query, "x=1");
}

struct Bad {
  std::string name;
  std::string input;
  int status;
  std::string reason_contains;
};
void PrintTo(const Bad& b, std::ostream* os) {
  *os << b.name;
}

class RequestFramerRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(RequestFramerRejects, WithTheRightStatusAndAReason) {
  const Bad& b = GetParam();
  Request r;
  const Framed f = frame(
      b.input, r, {.request_line = 64, .header_section = 256, .header_count = 4, .body = 100});
  ASSERT_EQ(f.state, State::Invalid);
  EXPECT_EQ(f.status, b.status);
  EXPECT_NE(f.reason.find(b.reason_contains), std::string::npos) << f.reason;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RequestFramerRejects,
    ::testing::Values(
        Bad{"garbage", "GARBAGE\r\nA: b\r\n\r\n", 400, "malformed request line 'GARBAGE'"},
        Bad{"garbage_before_its_line_ends", "GET\x16\x03", 400, "invalid method"},
        Bad{"lowercase_method", "get / HTTP/1.1\r\n", 400, "methods are upper case"},
        Bad{"version_9_9", "GET / HTTP/9.9\r\nHost: h\r\n\r\n", 505, "HTTP/9.9"},
        Bad{"version_garbled", "GET / HTTQ/1.1\r\n", 400, "malformed HTTP version"},
        Bad{"bare_lf", "GET / HTTP/1.1\nHost: h\n\n", 400, "bare LF"},
        Bad{"bare_lf_in_headers", "GET / HTTP/1.1\r\nHost: h\n\r\n", 400, "bare LF"},
        Bad{"bare_cr", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400, "invalid character"},
        Bad{"target_not_origin_form", "GET x HTTP/1.1\r\n", 400, "must start with '/'"},
        Bad{"request_line_too_long", "GET /" + std::string(100, 'a'), 414, "longer than 64"},
        Bad{"header_section_too_large", "GET / HTTP/1.1\r\nA: " + std::string(300, 'a'), 431,
            "over 256 bytes"},
        Bad{"too_many_headers", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n",
            431, "more than 4 header fields"},
        Bad{"no_colon", "GET / HTTP/1.1\r\nHost: h\r\nA b\r\n\r\n", 400, "without a colon"},
        Bad{"space_before_colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "invalid header name"},
        Bad{"line_folding", "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400, "line folding"},
        Bad{"no_host", "GET / HTTP/1.1\r\n\r\n", 400, "no Host header"},
        Bad{"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host"},
        Bad{"negative_length", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n", 400,
            "invalid Content-Length '-5'"},
        Bad{"lengths_disagree",
            "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
            "disagree"},
        Bad{"body_too_large", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", 413,
            "the limit is 100"},
        Bad{"length_and_chunked",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            400, "both Content-Length and Transfer-Encoding"},
        Bad{"unknown_coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
            "gzip"},
        Bad{"chunked_not_last",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400,
            "unsupported Transfer-Encoding"},
        Bad{"bad_chunk_size",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
            "invalid chunk size 'zz'"},
        Bad{"chunk_without_crlf",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400,
            "not followed by CRLF"},
        Bad{"chunked_too_large",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            "ffffffffffffffff\r\n",
            413, "over 100 bytes"}),
    [](const ::testing::TestParamInfo<Bad>& info) { return info.param.name; });

}  // namespace
}  // namespace clab::http
