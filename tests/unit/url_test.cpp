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
                      BadUrl{"http://h:abc/", "port 'abc' is not a number from 1 to 65535"}));

}  // namespace
}  // namespace clab::load
