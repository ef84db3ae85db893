// UniqueFd: sole owner of one file descriptor; closes it when destroyed.
// Invariant: get() is either -1 or an open descriptor no other UniqueFd owns.
#pragma once

#include <utility>

namespace clab {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Sets or clears O_NONBLOCK; returns false on failure (errno set).
bool set_nonblocking(int fd, bool on = true);
// Sets or clears FD_CLOEXEC; returns false on failure (errno set).
bool set_cloexec(int fd, bool on = true);

}  // namespace clab
