// libFuzzer target: memory.stat, v2 and v1.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cgroup/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  reins::CgroupMemoryStat stat;
  std::optional<reins::SizeLimit> effective;
  reins::cgroup::parse_memory_stat_v2(text, stat);
  reins::cgroup::parse_memory_stat_v1(text, stat, effective);
  return 0;
}
