#include <unistd.h>

#include "reins/fd.hpp"

namespace reins {

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

}  // namespace reins
