// reins' one error type. Every failure the library reports is a reins::Error: a std::system_error whose
// code() is the errno (or EINVAL for input that does not parse) and whose what() names the operation and the
// path or pid it concerns, e.g. "write /sys/fs/cgroup/memory/job-1/memory.limit_in_bytes: Device or resource busy".
//
// Routine outcomes are values, not errors: a process that is already gone, a metric that cannot be read,
// a cgroup that is already removed. Functions say in their comments which they return and which they throw.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace reins {

class Error : public std::system_error {
 public:
  // `what` reads as "<operation> <subject>: <strerror(err)>", e.g. Error(ENOENT, "open", "/proc/42/statm").
  Error(int err, const std::string& operation, const std::string& subject);
  // An error whose whole message is given; err is still the errno that best describes it.
  Error(int err, const std::string& message);

  int errno_value() const noexcept { return code().value(); }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// Bad input from a user (a size, a duration, a limit name): EINVAL with a message that quotes the input and
// shows what would be valid.
class InvalidArgument : public Error {
 public:
  explicit InvalidArgument(const std::string& message) : Error(EINVAL, message) {}
};

// Throws reins::Error for the current errno: "<operation> <subject>: <strerror(errno)>".
[[noreturn]] void throw_errno(const std::string& operation, const std::string& subject);

}  // namespace reins
