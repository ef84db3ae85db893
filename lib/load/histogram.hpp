// LatencyHistogram: an HDR-style log-linear histogram of microsecond values.
//
// Values below 128 µs are counted exactly; above, each power-of-two range is split into 64
// buckets, so a recorded value is known to within 1/64 of itself and reported as its
// bucket's midpoint (at most 0.8% off). Covers 1 µs to over a day in about 2,400 counters
// (19 KiB). Min, max, mean and standard deviation are kept exactly. Recording is a few
// instructions with no allocation; one histogram per thread, merged after the run.
// Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace clab::load {

class LatencyHistogram {
 public:
  static constexpr int kLinearBits = 7;                       // values < 128 are exact
  static constexpr int kSubBuckets = 1 << (kLinearBits - 1);  // 64 per power of two above
  static constexpr int kMaxExponent = 40;                     // 2^40 µs, about 12.7 days
  static constexpr std::size_t kBuckets =
      (1u << kLinearBits) + static_cast<std::size_t>(kMaxExponent - kLinearBits + 1) * kSubBuckets;

  void record(std::uint64_t micros);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const;
  double stddev() const;
  // The value at or below which `percent` of the recorded values lie (0 < percent <= 100),
  // as its bucket's midpoint, clamped to [min, max].
  double percentile(double percent) const;

  static std::size_t bucket_of(std::uint64_t micros);
  static std::uint64_t bucket_low(std::size_t bucket);
  static std::uint64_t bucket_width(std::size_t bucket);

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  double sum_ = 0;
  double sum_squares_ = 0;
};

}  // namespace clab::load
