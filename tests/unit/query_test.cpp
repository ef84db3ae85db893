#include "http/query.hpp"

#include <gtest/gtest.h>

namespace clab::http {
namespace {

struct Case {
  std::string text;
  bool ok;
  long value;
  std::string error_contains;
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.text;
}

class BoundedInteger : public ::testing::TestWithParam<Case> {};

TEST_P(BoundedInteger, ParsesOrExplains) {
  const Case& c = GetParam();
  auto r = parse_bounded_integer("ms", c.text, 10000);
  ASSERT_EQ(r.ok(), c.ok) << c.text;
  if (c.ok) {
    EXPECT_EQ(r.value(), c.value);
  } else {
    EXPECT_NE(r.error().message.find(c.error_contains), std::string::npos) << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BoundedInteger,
    ::testing::Values(Case{"0", true, 0, ""}, Case{"250", true, 250, ""},
                      Case{"10000", true, 10000, ""},
                      Case{"abc", false, 0, "ms=\"abc\": expected a whole number from 0 to 10000"},
                      Case{"", false, 0, "expected a whole number"},
                      Case{"12x", false, 0, "expected a whole number"},
                      Case{"1.5", false, 0, "expected a whole number"},
                      Case{"-1", false, 0, "ms=-1: out of range, expected 0 to 10000"},
                      Case{"10001", false, 0, "out of range"},
                      Case{"99999999999999999999999", false, 0, "out of range"}));

}  // namespace
}  // namespace clab::http
