// Reading the small procfs files of a process quickly and without allocating once warm.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>
#include <vector>

#include "sys/result.hpp"

namespace reins::procfs {

// Reads a one-record procfs file (statm, status, smaps_rollup, meminfo: seq_file single_open) from offset 0
// with pread into `buffer`, growing it as needed, and returns how many bytes of it it filled (or the errno).
// Such a file comes whole from one read whose buffer is large enough, so a short read ends it: one syscall
// instead of two for a warm buffer. The buffer is the caller's so that warm reads allocate nothing.
sys::Result<std::size_t> pread_whole(int fd, std::vector<char>& buffer) noexcept;

// Opens `path` (relative to dirfd, or absolute), pread_whole()s it and closes it.
sys::Result<std::size_t> read_whole_at(int dirfd, const char* path, std::vector<char>& buffer) noexcept;

// The same for a file of many records (task/TID/children): a read may stop short at a record boundary
// before the end, so this reads until read() returns 0.
sys::Result<std::size_t> read_records_at(int dirfd, const char* path, std::vector<char>& buffer) noexcept;

// "/proc/<pid>/<name>" in `out`, without allocating. `out` must hold 64 bytes.
const char* proc_path(char* out, pid_t pid, const char* name) noexcept;

}  // namespace reins::procfs
