// libFuzzer target: /proc/PID/statm. A parsed value must be consistent: anon ≤ rss.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "procfs/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  reins::ProcessMemory m;
  if (reins::procfs::parse_statm(text, 4096, m) == 0 && *m.rss_anon > *m.rss) std::abort();
  return 0;
}
