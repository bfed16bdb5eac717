#include "reins/error.hpp"

#include <cstring>

namespace reins {

namespace {
std::string compose(const std::string& operation, const std::string& subject) {
  return subject.empty() ? operation : operation + " " + subject;
}
}  // namespace

Error::Error(int err, const std::string& operation, const std::string& subject)
    : std::system_error(err, std::system_category()),
      message_(compose(operation, subject) + ": " + std::strerror(err)) {}

Error::Error(int err, const std::string& message) : std::system_error(err, std::system_category()), message_(message) {}

void throw_errno(const std::string& operation, const std::string& subject) { throw Error(errno, operation, subject); }

}  // namespace reins
