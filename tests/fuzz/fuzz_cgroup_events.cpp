// libFuzzer target: memory.events (v2) and memory.oom_control (v1).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cgroup/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  reins::CgroupMemoryEvents events;
  reins::cgroup::parse_memory_events_v2(text, events);
  reins::cgroup::parse_oom_control_v1(text, events);
  return 0;
}
