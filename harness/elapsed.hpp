// How long ago something happened, in milliseconds: the figure most checks report.
#pragma once

#include <chrono>

namespace clab::harness {

inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace clab::harness
