#include "sys/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "reins/error.hpp"

namespace reins::sys {

int pread_all_errno(int fd, std::string& out) noexcept {
  out.clear();
  char buf[4096];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    try {
      out.append(buf, static_cast<size_t>(n));
    } catch (...) {
      return ENOMEM;
    }
    offset += n;
  }
}

int read_file_errno(int dirfd, const char* path, std::string& out) noexcept {
  int fd = ::openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  UniqueFd owner(fd);
  return pread_all_errno(fd, out);
}

int write_file_errno(int dirfd, const char* path, std::string_view text) noexcept {
  int fd = ::openat(dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  UniqueFd owner(fd);
  ssize_t n;
  do n = ::write(fd, text.data(), text.size());
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  return static_cast<size_t>(n) == text.size() ? 0 : EIO;
}

std::string read_file(const std::string& path) { return read_file_at(AT_FDCWD, path.c_str(), path); }

std::string read_file_at(int dirfd, const char* path, const std::string& shown) {
  std::string out;
  if (int err = read_file_errno(dirfd, path, out)) throw Error(err, "read", shown);
  return out;
}

void write_file_at(int dirfd, const char* path, std::string_view text, const std::string& shown) {
  if (int err = write_file_errno(dirfd, path, text)) throw Error(err, "write '" + std::string(text) + "' to", shown);
}

UniqueFd open_at(int dirfd, const char* path, int flags, const std::string& shown) {
  int fd = ::openat(dirfd, path, flags | O_CLOEXEC);
  if (fd < 0) throw_errno("open", shown);
  return UniqueFd(fd);
}

}  // namespace reins::sys
