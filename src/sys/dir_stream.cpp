#include "sys/dir_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace reins::sys {

DirStream DirStream::open(const char* path) noexcept {
  DIR* d = ::opendir(path);
  return DirStream(d, d ? 0 : errno);
}

DirStream DirStream::open_at(int dirfd) noexcept {
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return DirStream(nullptr, errno);
  DIR* d = ::fdopendir(fd);  // owns fd from here on
  if (!d) {
    int err = errno;
    ::close(fd);
    return DirStream(nullptr, err);
  }
  return DirStream(d, 0);
}

DirStream::~DirStream() {
  if (dir_) ::closedir(dir_);
}

}  // namespace reins::sys
