#include "load/url.hpp"

#include <gtest/gtest.h>

namespace clab::load {
namespace {

TEST(ParseUrl, SplitsHostPortAndPath) {
  auto t = parse_url("http://127.0.0.1:3000/work?ms=2");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 3000);
  EXPECT_EQ(t->path, "/work?ms=2");
  EXPECT_EQ(t->host_header, "127.0.0.1:3000");
  EXPECT_EQ(t->url(), "http://127.0.0.1:3000/work?ms=2");
}

TEST(ParseUrl, DefaultsToPort80AndSlash) {
  auto t = parse_url("http://localhost");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->port, 80);
  EXPECT_EQ(t->path, "/");
  EXPECT_EQ(parse_url("http://localhost?x=1")->path, "/?x=1");
}

TEST(ParseUrl, TakesAnIpv6LiteralInBrackets) {
  auto t = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->port, 8080);
  EXPECT_EQ(t->host_header, "[::1]:8080");
  EXPECT_EQ(t->url(), "http://[::1]:8080/x");
  auto no_port = parse_url("http://[fe80::1]");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ(no_port->host, "fe80::1");
  EXPECT_EQ(no_port->port, 80);
}

// What a browser or curl would send: spaces and other bytes a request line cannot hold are
// percent-encoded, an encoded URL stays as it is, the fragment is not sent.
TEST(ParseUrl, PercentEncodesWhatTheRequestLineCannotHold) {
  EXPECT_EQ(parse_url("http://h/a b?q=x y")->path, "/a%20b?q=x%20y");
  EXPECT_EQ(parse_url("http://h/caf\xc3\xa9\"<>")->path, "/caf%C3%A9%22%3C%3E");
  EXPECT_EQ(parse_url("http://h/a%20b?x=1&y=2")->path, "/a%20b?x=1&y=2");
  EXPECT_EQ(parse_url("http://h/page#section")->path, "/page");
  EXPECT_EQ(parse_url("http://h/a\r\nX: 1")->path, "/a%0D%0AX:%201");
}

struct BadUrl {
  std::string url;
  std::string error;
};
void PrintTo(const BadUrl& c, std::ostream* os) {
  *os << c.url;
}

class ParseUrlErrors : public ::testing::TestWithParam<BadUrl> {};

TEST_P(ParseUrlErrors, NameTheUrlAndWhatWasExpected) {
  auto t = parse_url(GetParam().url);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message, "URL '" + GetParam().url + "': " + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseUrlErrors,
    ::testing::Values(BadUrl{"https://127.0.0.1/", "https is not supported, only http://"},
                      BadUrl{"ftp://x/", "scheme 'ftp' is not supported, only http://"},
                      BadUrl{"127.0.0.1:3000", "expected http://host[:port]/path"},
                      BadUrl{"http:///path", "expected a host after http://"},
                      BadUrl{"http://h:0/", "port '0' is not a number from 1 to 65535"},
                      BadUrl{"http://h:99999/", "port '99999' is not a number from 1 to 65535"},
                      BadUrl{"http://h:abc/", "port 'abc' is not a number from 1 to 65535"},
                      BadUrl{"http://[::1/", "expected ']' after the IPv6 address"},
                      BadUrl{"http://[::1]x/", "expected ':port' after the IPv6 address"},
                      BadUrl{"http://[]:80/", "expected a host after http://"}));

}  // namespace
}  // namespace clab::load
