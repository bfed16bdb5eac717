#include "sys/file_io.hpp"

#include <unistd.h>

#include <cerrno>

namespace reins::sys {

Result<std::string> pread_all(int fd) {
  std::string out;
  char buf[4096];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Result<std::string>::failure(errno);
    }
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
}

Result<std::string> read_file(int dirfd, const char* path) {
  auto fd = open_file(dirfd, path, O_RDONLY);
  if (!fd.ok()) return Result<std::string>::failure(fd.error());
  return pread_all(fd->get());
}

Status write_file(int dirfd, const char* path, std::string_view text) noexcept {
  auto fd = open_file(dirfd, path, O_WRONLY);
  if (!fd.ok()) return fd.status();
  ssize_t n;
  do n = ::write(fd->get(), text.data(), text.size());
  while (n < 0 && errno == EINTR);
  if (n < 0) return Status::failure(errno);
  return static_cast<size_t>(n) == text.size() ? Status() : Status::failure(EIO);
}

Result<UniqueFd> open_file(int dirfd, const char* path, int flags) noexcept {
  int fd = ::openat(dirfd, path, flags | O_CLOEXEC);
  if (fd < 0) return Result<UniqueFd>::failure(errno);
  return UniqueFd(fd);
}

}  // namespace reins::sys
