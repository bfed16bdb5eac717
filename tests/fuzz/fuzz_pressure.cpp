// libFuzzer target: PSI files (/proc/pressure/*, memory.pressure). Averages are never negative.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "procfs/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = reins::procfs::parse_pressure(text);
  for (const auto& s : {p.some, p.full})
    if (s && (s->avg10 < 0 || s->avg60 < 0 || s->avg300 < 0 || s->total.count() < 0)) std::abort();
  return 0;
}
