#include "procfs/proc_read.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "reins/fd.hpp"

namespace reins::procfs {

int pread_whole(int fd, std::vector<char>& buffer, std::size_t& length) noexcept {
  length = 0;
  try {
    if (buffer.size() < 4096) buffer.resize(4096);
  } catch (...) {
    return ENOMEM;
  }
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data() + length, buffer.size() - length, static_cast<off_t>(length));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    length += static_cast<std::size_t>(n);
    if (length < buffer.size()) return 0;
    try {
      buffer.resize(buffer.size() * 2);
    } catch (...) {
      return ENOMEM;
    }
  }
}

int read_whole_at(int dirfd, const char* path, std::vector<char>& buffer, std::size_t& length) noexcept {
  length = 0;
  int fd = ::openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  UniqueFd owner(fd);
  return pread_whole(fd, buffer, length);
}

int read_records_at(int dirfd, const char* path, std::vector<char>& buffer, std::size_t& length) noexcept {
  length = 0;
  int fd = ::openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  UniqueFd owner(fd);
  for (;;) {
    try {
      if (buffer.size() - length < 4096) buffer.resize(std::max<std::size_t>(buffer.size() * 2, 4096));
    } catch (...) {
      return ENOMEM;
    }
    ssize_t n = ::read(fd, buffer.data() + length, buffer.size() - length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    length += static_cast<std::size_t>(n);
  }
}

const char* proc_path(char* out, pid_t pid, const char* name) noexcept {
  std::snprintf(out, 64, "/proc/%d/%s", static_cast<int>(pid), name);
  return out;
}

}  // namespace reins::procfs
