// libFuzzer target: the memory fields of /proc/PID/status.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "procfs/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  reins::ProcessMemory m;
  if (reins::procfs::parse_status_memory(text, m) == 0 && !m.rss) std::abort();
  return 0;
}
