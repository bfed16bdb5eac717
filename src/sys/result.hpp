// The one error style at the OS boundary. A call into the kernel that can fail returns a Result (its value,
// or the errno) or a Status (nothing, or the errno); it never throws for the errno. The caller says what an
// errno means: routine ones (ENOENT, ESRCH, ENODEV: the process or cgroup is gone) become values, the rest
// become a reins::Error naming the operation and the path, with or_throw(). Above src/sys, failures are
// exceptions and routine outcomes are values (docs/design.md, "Error model").
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "reins/error.hpp"

namespace reins::sys {

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  static Status failure(int err) noexcept { return Status(err); }
  // From a system call's return: -1 → the current errno, anything else → ok.
  static Status of(long rc) noexcept { return rc == -1 ? Status(errno) : Status(); }

  bool ok() const noexcept { return err_ == 0; }
  int error() const noexcept { return err_; }
  // Throws reins::Error "<operation> <subject>: <strerror>" unless ok.
  void or_throw(const std::string& operation, const std::string& subject) const {
    if (err_) throw Error(err_, operation, subject);
  }

 private:
  explicit Status(int err) noexcept : err_(err) {}
  int err_ = 0;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor): a value is a success
  static Result failure(int err) noexcept { return Result(Status::failure(err)); }

  bool ok() const noexcept { return value_.has_value(); }
  int error() const noexcept { return status_.error(); }
  Status status() const noexcept { return status_; }
  // Only when ok().
  T& operator*() & noexcept { return *value_; }
  T&& operator*() && noexcept { return std::move(*value_); }
  T* operator->() noexcept { return &*value_; }
  // The value, or a reins::Error "<operation> <subject>: <strerror>".
  T or_throw(const std::string& operation, const std::string& subject) && {
    status_.or_throw(operation, subject);
    return std::move(*value_);
  }
  // The value, or nullopt whatever the errno was.
  std::optional<T> value_or_none() && { return std::move(value_); }

 private:
  explicit Result(Status status) noexcept : status_(status) {}
  std::optional<T> value_;
  Status status_;
};

}  // namespace reins::sys
