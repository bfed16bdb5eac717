// The one-shot process reader with a buffer the caller keeps, for readers of many processes (trees).
#pragma once

#include <vector>

#include "reins/memory.hpp"

namespace reins::procfs {

// The /proc/PID files a process's memory is read from.
enum class MemoryFile { smaps_rollup, status, statm };
constexpr const char* file_name(MemoryFile file) noexcept {
  switch (file) {
    case MemoryFile::smaps_rollup:
      return "smaps_rollup";
    case MemoryFile::status:
      return "status";
    case MemoryFile::statm:
      return "statm";
  }
  return "?";
}

ProcessMemory read_process_memory(pid_t pid, MemorySources sources, std::vector<char>& buffer);

}  // namespace reins::procfs
