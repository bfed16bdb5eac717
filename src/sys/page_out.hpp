// Giving back the memory of code that has run its course: a long-lived process (an idle init) no longer needs
// the pages of its executable that start-up used (option parsing, dynamic linking, spawning).
#pragma once

#include <cstddef>

namespace reins::sys {

// Asks the kernel to reclaim the read-only pages of this process's own executable (MADV_PAGEOUT): they are
// dropped from memory unless another process maps them too, and read back from the file if they run again.
// Non-destructive (unlike MADV_DONTNEED nothing is lost, writable mappings are left alone). Returns the bytes
// advised; 0 where MADV_PAGEOUT is unsupported (Linux < 5.4) or /proc is not mounted.
std::size_t page_out_own_code() noexcept;

}  // namespace reins::sys
