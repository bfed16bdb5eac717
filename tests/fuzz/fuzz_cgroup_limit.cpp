// libFuzzer target: one-number cgroup files and limits (memory.max, memory.limit_in_bytes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cgroup/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  reins::cgroup::parse_counter(text);
  auto limit = reins::cgroup::parse_memory_limit(text);
  if (limit && *limit && **limit >= (1ull << 62)) std::abort();  // such values mean "no limit"
  return 0;
}
