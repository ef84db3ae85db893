// Errors as values at system-call boundaries.
//
// Error carries one human-readable line with its context ("bind 127.0.0.1:3000: Address
// already in use") and the errno it came from, if any. Result<T> holds either a T or an
// Error; Status is Result<void>. Exceptions are kept for programming errors.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace clab {

struct Error {
  std::string message;
  int code = 0;  // errno when the error came from a system call, else 0
};

// An Error for the current errno: "<context>: <strerror(errno)>".
Error errno_error(const std::string& context);
Error errno_error(const std::string& context, int err);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T* operator->() { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(failed_);
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace clab
