// libFuzzer target: /proc/meminfo. A value is only known when its key is there.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "procfs/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = reins::procfs::parse_meminfo(text);
  if (s.total && text.find("MemTotal") == std::string_view::npos) std::abort();
  return 0;
}
