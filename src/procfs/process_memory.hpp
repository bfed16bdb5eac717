// The one-shot process reader with a buffer the caller keeps, for readers of many processes (trees).
#pragma once

#include <vector>

#include "reins/memory.hpp"

namespace reins::procfs {

ProcessMemory read_process_memory(pid_t pid, MemorySources sources, std::vector<char>& buffer);

}  // namespace reins::procfs
