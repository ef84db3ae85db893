#include "load/response_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace clab::load {
namespace {

// Feeds `wire` in pieces of `step` bytes, keeping unconsumed bytes as a connection would,
// and returns every complete response (or stops at the first error).
std::vector<ParsedResponse> parse_all(const std::string& wire, std::size_t step,
                                      std::string* error = nullptr, bool eof = false) {
  ResponseParser parser;
  std::vector<ParsedResponse> out;
  std::string pending;
  for (std::size_t at = 0; at < wire.size(); at += step) {
    pending += wire.substr(at, step);
    std::string_view data(pending);
    for (;;) {
      std::size_t used = 0;
      const auto state = parser.parse(data, &used);
      data.remove_prefix(used);
      if (state == ResponseParser::State::Error) {
        if (error) *error = parser.error();
        return out;
      }
      if (state == ResponseParser::State::NeedMore) break;
      out.push_back(parser.response());
    }
    pending = std::string(data);
  }
  if (eof && parser.finish_at_eof() == ResponseParser::State::Complete)
    out.push_back(parser.response());
  return out;
}

const std::string kLength =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Worker-Id: 3\r\nContent-Length: "
    "5\r\n\r\nhello";
const std::string kChunked =
    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
const std::string kNoContent = "HTTP/1.1 204 No Content\r\nX-Worker-Id: 12\r\n\r\n";
const std::string kClose = "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno";

TEST(ResponseParser, ParsesEachResponseSplitAtEveryByte) {
  const std::string wire = kLength + kChunked + kNoContent + kClose;
  for (std::size_t step = 1; step <= wire.size(); ++step) {
    const auto responses = parse_all(wire, step);
    ASSERT_EQ(responses.size(), 4u) << "pieces of " << step << " bytes";
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(responses[0].worker_id, 3);
    EXPECT_EQ(responses[0].bytes, kLength.size());
    EXPECT_TRUE(responses[0].keep_alive);
    EXPECT_EQ(responses[1].status, 201);
    EXPECT_EQ(responses[1].bytes, kChunked.size());
    EXPECT_EQ(responses[1].worker_id, -1);
    EXPECT_EQ(responses[2].status, 204);
    EXPECT_EQ(responses[2].worker_id, 12);
    EXPECT_EQ(responses[3].status, 503);
    EXPECT_FALSE(responses[3].keep_alive);
  }
}

TEST(ResponseParser, ParsesPipelinedResponsesInOneRead) {
  std::string wire;
  for (int i = 0; i < 50; ++i)
    wire += kLength;
  EXPECT_EQ(parse_all(wire, wire.size()).size(), 50u);
}

TEST(ResponseParser, ABodyWithoutLengthEndsAtEndOfFile) {
  const std::string wire = "HTTP/1.1 200 OK\r\n\r\nall the rest";
  EXPECT_TRUE(parse_all(wire, 3).empty());
  const auto responses = parse_all(wire, 3, nullptr, /*eof=*/true);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_FALSE(responses[0].keep_alive);
}

TEST(ResponseParser, Http10KeepsAliveOnlyWhenAsked) {
  EXPECT_FALSE(parse_all("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 100)[0].keep_alive);
  EXPECT_TRUE(
      parse_all("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", 100)[0]
          .keep_alive);
}

TEST(ResponseParser, HeaderNamesAreCaseInsensitive) {
  const auto r = parse_all(
      "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-worker-id: 7\r\nCONNECTION: Close\r\n\r\nok", 100);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].worker_id, 7);
  EXPECT_FALSE(r[0].keep_alive);
}

TEST(ResponseParser, AHeadResponseHasNoBody) {
  ResponseParser parser;
  parser.expect_head_response(true);
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
  std::size_t used = 0;
  EXPECT_EQ(parser.parse(wire, &used), ResponseParser::State::Complete);
  EXPECT_EQ(used, wire.size());
}

struct Malformed {
  std::string name;
  std::string wire;
  std::string error;
};
void PrintTo(const Malformed& c, std::ostream* os) {
  *os << c.name;
}

class ResponseParserErrors : public ::testing::TestWithParam<Malformed> {};

TEST_P(ResponseParserErrors, ReportsWhatIsWrong) {
  std::string error;
  EXPECT_TRUE(parse_all(GetParam().wire, 7, &error).empty());
  EXPECT_NE(error.find(GetParam().error), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ResponseParserErrors,
    ::testing::Values(Malformed{"not_http", "SSH-2.0-OpenSSH\r\n\r\n", "malformed status line"},
                      Malformed{"bad_status", "HTTP/1.1 2x0 OK\r\n\r\n", "malformed status line"},
                      Malformed{"bad_chunk",
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                                "malformed chunk size"},
                      Malformed{"chunk_overrun",
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
                                "chunk data longer than its size"},
                      Malformed{"header_too_long",
                                "HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a'),
                                "header line too long"}),
    [](const auto& info) { return info.param.name; });

TEST(ResponseParser, EndOfFileInsideAResponseIsAnError) {
  ResponseParser parser;
  std::size_t used = 0;
  EXPECT_EQ(parser.parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", &used),
            ResponseParser::State::NeedMore);
  EXPECT_EQ(parser.finish_at_eof(), ResponseParser::State::Error);
}

}  // namespace
}  // namespace clab::load
