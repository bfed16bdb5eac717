// libFuzzer target: the parent pid in /proc/PID/stat.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "procfs/tree_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ppid = reins::procfs::parse_stat_ppid(text);
  if (ppid && *ppid < 0) std::abort();
  return 0;
}
