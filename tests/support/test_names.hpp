// Names for parameterised tests: what ctest lists, so letters and digits only.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace clab::testing {

// "round-robin" -> "roundrobin", "graceful-drain" -> "gracefuldrain".
inline std::string test_name(std::string_view text) {
  std::string name(text);
  std::erase_if(name, [](unsigned char c) { return !std::isalnum(c); });
  return name;
}

// For INSTANTIATE_TEST_SUITE_P over values that to_string() names (listen policies).
struct NameByToString {
  template <class ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    return test_name(to_string(info.param));
  }
};

}  // namespace clab::testing
