// Small whole-file reads and writes, relative to a directory fd where the caller has one (procfs, cgroupfs).
// The *_errno variants return 0 or an errno and never throw: for /proc and cgroup files ENOENT, ESRCH and
// ENODEV are routine ("the process or cgroup is gone"), and the caller decides what they mean.
#pragma once

#include <string>
#include <string_view>

#include "reins/fd.hpp"

namespace reins::sys {

// Reads the whole file at `path` (relative to `dirfd`, or absolute) into `out`. Returns 0 or an errno.
int read_file_errno(int dirfd, const char* path, std::string& out) noexcept;
// Reads everything from an open fd with pread from offset 0 (a held procfs fd can be re-read this way).
int pread_all_errno(int fd, std::string& out) noexcept;
// Writes `text` in one write(2), as cgroupfs and procfs require. Returns 0 or an errno.
int write_file_errno(int dirfd, const char* path, std::string_view text) noexcept;

// Throwing forms. `shown` is the path used in the message (the full path, where `path` is relative).
std::string read_file(const std::string& path);
std::string read_file_at(int dirfd, const char* path, const std::string& shown);
void write_file_at(int dirfd, const char* path, std::string_view text, const std::string& shown);
UniqueFd open_at(int dirfd, const char* path, int flags, const std::string& shown);

}  // namespace reins::sys
