#include "load/request_syntax.hpp"

#include <gtest/gtest.h>

namespace clab::load {
namespace {

TEST(RequestSyntax, TokensAreWhatRfc9110Allows) {
  for (const char* good : {"GET", "POST", "M-SEARCH", "X_1.2~!"})
    EXPECT_TRUE(is_token(good));
  for (const char* bad : {"", "GE T", "GET\r\n", "A:B", "(x)", "caf\xc3\xa9"}) {
    EXPECT_FALSE(is_token(bad)) << bad;
  }
}

TEST(RequestSyntax, AcceptsAnOrdinaryRequest) {
  EXPECT_TRUE(check_request_syntax("GET", {{"Accept", "*/*"}, {"X-Empty", ""}}).ok());
}

TEST(RequestSyntax, RefusesAMethodThatIsNotAToken) {
  const auto status = check_request_syntax("GE T", {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "-m 'GE T': a method is one word of letters, digits or !#$%&'*+-.^_`|~, like GET or "
            "POST");
}

// A header value with CR LF would write a second header (or a second request) on the wire.
TEST(RequestSyntax, RefusesCrLfOrNulInAHeaderValueAndShowsThemEscaped) {
  const auto crlf = check_request_syntax("GET", {{"X", "a\r\nInjected: 1"}});
  ASSERT_FALSE(crlf.ok());
  EXPECT_EQ(crlf.error().message,
            "-H 'X: a\\r\\nInjected: 1': a header value may not hold CR, LF or NUL");
  EXPECT_FALSE(check_request_syntax("GET", {{"X", std::string("a\0b", 3)}}).ok());
  EXPECT_FALSE(check_request_syntax("GET", {{"X", "a\nb"}}).ok());
}

TEST(RequestSyntax, RefusesAHeaderNameThatIsNotAToken) {
  const auto status = check_request_syntax("GET", {{"Bad Name", "1"}});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("the header name 'Bad Name' is not one word"),
            std::string::npos);
}

}  // namespace
}  // namespace clab::load
