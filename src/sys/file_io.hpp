// Small whole-file reads and writes, relative to a directory fd where the caller has one (procfs, cgroupfs),
// in the boundary's one error style (sys/result.hpp): the errno comes back, the caller decides what it means.
#pragma once

#include <fcntl.h>

#include <string>
#include <string_view>

#include "reins/fd.hpp"
#include "sys/result.hpp"

namespace reins::sys {

// The whole file at `path` (relative to `dirfd`, or absolute: AT_FDCWD).
Result<std::string> read_file(int dirfd, const char* path);
// Everything an open fd holds, read with pread from offset 0 (a held procfs fd can be re-read this way).
Result<std::string> pread_all(int fd);
// `text` in one write(2), as cgroupfs and procfs require.
Status write_file(int dirfd, const char* path, std::string_view text) noexcept;
// openat(2), close-on-exec.
Result<UniqueFd> open_file(int dirfd, const char* path, int flags) noexcept;

// For the common case of a file that must be there: its text, or a reins::Error naming `path`.
inline std::string read_file_or_throw(const std::string& path) {
  return read_file(AT_FDCWD, path.c_str()).or_throw("read", path);
}

}  // namespace reins::sys
