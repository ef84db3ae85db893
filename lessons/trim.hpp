// trim: a line of a lesson file without its leading and trailing blanks (and a CR left by
// a file saved with CRLF line ends).
#pragma once

#include <string>

namespace clab::lessons {

inline std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace clab::lessons
