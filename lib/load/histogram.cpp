#include "load/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace clab::load {

std::size_t LatencyHistogram::bucket_of(std::uint64_t micros) {
  constexpr std::uint64_t kLinear = 1u << kLinearBits;
  if (micros < kLinear) return static_cast<std::size_t>(micros);
  const int exponent = std::min(static_cast<int>(std::bit_width(micros)) - 1, kMaxExponent);
  const int shift = exponent - (kLinearBits - 1);
  const std::uint64_t top = std::min<std::uint64_t>(micros >> shift, 2 * kSubBuckets - 1);
  return kLinear + static_cast<std::size_t>(exponent - kLinearBits) * kSubBuckets +
         static_cast<std::size_t>(top - kSubBuckets);
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t bucket) {
  constexpr std::size_t kLinear = 1u << kLinearBits;
  if (bucket < kLinear) return bucket;
  const std::size_t above = bucket - kLinear;
  const int exponent = static_cast<int>(above / kSubBuckets) + kLinearBits;
  const std::uint64_t top = kSubBuckets + above % kSubBuckets;
  return top << (exponent - (kLinearBits - 1));
}

std::uint64_t LatencyHistogram::bucket_width(std::size_t bucket) {
  constexpr std::size_t kLinear = 1u << kLinearBits;
  if (bucket < kLinear) return 1;
  const int exponent = static_cast<int>((bucket - kLinear) / kSubBuckets) + kLinearBits;
  return std::uint64_t{1} << (exponent - (kLinearBits - 1));
}

void LatencyHistogram::record(std::uint64_t micros) {
  ++counts_[bucket_of(micros)];
  ++count_;
  min_ = std::min(min_, micros);
  max_ = std::max(max_, micros);
  const double v = static_cast<double>(micros);
  sum_ += v;
  sum_squares_ += v * v;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  sum_squares_ += other.sum_squares_;
}

double LatencyHistogram::mean() const {
  return count_ ? sum_ / static_cast<double>(count_) : 0;
}

double LatencyHistogram::stddev() const {
  if (count_ < 2) return 0;
  const double m = mean();
  const double variance = sum_squares_ / static_cast<double>(count_) - m * m;
  return variance > 0 ? std::sqrt(variance) : 0;
}

double LatencyHistogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(
      std::max(1.0, std::ceil(percent / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const double width = static_cast<double>(bucket_width(i));
      const double mid = static_cast<double>(bucket_low(i)) + (width > 1 ? width / 2 : 0);
      return std::clamp(mid, static_cast<double>(min_), static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

}  // namespace clab::load
