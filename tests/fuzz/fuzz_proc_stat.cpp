// libFuzzer target: the parent pid and the start time in /proc/PID/stat.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "procfs/tree_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ppid = reins::procfs::parse_stat_ppid(text);
  if (ppid && *ppid < 0) std::abort();
  // Found only in text that has 22 fields, the last of them a number.
  if (reins::procfs::parse_stat_start_time(text) && text.rfind(')') == std::string_view::npos) std::abort();
  return 0;
}
