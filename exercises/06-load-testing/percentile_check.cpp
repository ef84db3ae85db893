// The check of the exercise `percentile`: the learner's percentile() on samples whose
// percentiles are known. Prints each case; a wrong answer is a FAIL line saying what was
// expected and why. Exit status: 0 all right, 1 a case wrong.
#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "percentile.hpp"

namespace {

struct Case {
  std::string samples;  // in words
  std::vector<double> latencies;
  double p;
  double expected;
  std::string why;
};

std::vector<double> repeat(double value, int times) {
  return std::vector<double>(static_cast<std::size_t>(times), value);
}

std::vector<double> concat(std::vector<double> a, const std::vector<double>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<double> one_to(int n) {
  std::vector<double> v;
  for (int i = n; i >= 1; --i)
    v.push_back(i);  // in reverse: percentile() must not rely on sorted input
  return v;
}

}  // namespace

int main() {
  const auto tail = concat(repeat(1, 98), repeat(1000, 2));
  const std::vector<Case> cases = {
      {"one sample of 5 ms", {5}, 50, 5, "with one sample, every percentile is that sample"},
      {"1, 2 ... 100 ms (given in reverse)", one_to(100), 50, 50,
       "50 of the 100 samples are at or below 50 ms"},
      {"1, 2 ... 100 ms (given in reverse)", one_to(100), 90, 90,
       "90 of the 100 samples are at or below 90 ms"},
      {"1, 2 ... 100 ms (given in reverse)", one_to(100), 100, 100, "p100 is the maximum"},
      {"98 x 1 ms and 2 x 1000 ms", tail, 50, 1, "the median user waited 1 ms"},
      {"98 x 1 ms and 2 x 1000 ms", tail, 99, 1000,
       "the slowest 2 % waited a second: the tail a user feels and the average hides"},
      {"no samples", {}, 99, 0, "nothing measured, nothing to report"},
  };
  int wrong = 0;
  for (const auto& c : cases) {
    const double got = percentile(c.latencies, c.p);
    const bool right = std::fabs(got - c.expected) < 1e-9;
    fmt::print("{} p{} of {}: {} ms{}\n", right ? "ok  " : "FAIL:", c.p, c.samples, got,
               right ? "" : fmt::format(", expected {} ms: {}", c.expected, c.why));
    wrong += right ? 0 : 1;
  }
  fmt::print("{} of {} cases right\n", cases.size() - static_cast<std::size_t>(wrong),
             cases.size());
  return wrong == 0 ? 0 : 1;
}
