#include "procfs/proc_read.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <new>

#include "sys/file_io.hpp"

namespace reins::procfs {
namespace {

using Length = sys::Result<std::size_t>;

// Grows `buffer` to at least `size`; false when memory ran out (the read then reports ENOMEM).
bool grow(std::vector<char>& buffer, std::size_t size) noexcept {
  try {
    if (buffer.size() < size) buffer.resize(size);
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

}  // namespace

Length pread_whole(int fd, std::vector<char>& buffer) noexcept {
  std::size_t length = 0;
  if (!grow(buffer, 4096)) return Length::failure(ENOMEM);
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data() + length, buffer.size() - length, static_cast<off_t>(length));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Length::failure(errno);
    }
    length += static_cast<std::size_t>(n);
    if (length < buffer.size()) return length;
    if (!grow(buffer, buffer.size() * 2)) return Length::failure(ENOMEM);
  }
}

Length read_whole_at(int dirfd, const char* path, std::vector<char>& buffer) noexcept {
  auto fd = sys::open_file(dirfd, path, O_RDONLY);
  if (!fd.ok()) return Length::failure(fd.error());
  return pread_whole(fd->get(), buffer);
}

Length read_records_at(int dirfd, const char* path, std::vector<char>& buffer) noexcept {
  auto fd = sys::open_file(dirfd, path, O_RDONLY);
  if (!fd.ok()) return Length::failure(fd.error());
  std::size_t length = 0;
  for (;;) {
    if (buffer.size() - length < 4096 && !grow(buffer, std::max<std::size_t>(buffer.size() * 2, 4096)))
      return Length::failure(ENOMEM);
    ssize_t n = ::read(fd->get(), buffer.data() + length, buffer.size() - length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Length::failure(errno);
    if (n == 0) return length;
    length += static_cast<std::size_t>(n);
  }
}

const char* proc_path(char* out, pid_t pid, const char* name) noexcept {
  std::snprintf(out, 64, "/proc/%d/%s", static_cast<int>(pid), name);
  return out;
}

}  // namespace reins::procfs
