// libFuzzer target: /proc/PID/smaps_rollup. USS, when known, is exactly Private_Clean + Private_Dirty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "procfs/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  reins::ProcessMemory m;
  if (reins::procfs::parse_smaps_rollup(text, m) != 0) return 0;
  if (!m.pss) std::abort();
  if (m.uss && *m.uss != *m.private_clean + *m.private_dirty) std::abort();
  return 0;
}
