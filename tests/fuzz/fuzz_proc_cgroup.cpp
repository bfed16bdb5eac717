// libFuzzer target: /proc/self/cgroup: the paths found are absolute and lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cgroup/memory_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto paths = reins::cgroup::parse_proc_cgroup(text);
  for (const auto& p : {paths.v2, paths.v1_memory}) {
    if (!p) continue;
    if (p->empty() || p->front() != '/') std::abort();
    if (p->data() < text.data() || p->data() + p->size() > text.data() + text.size()) std::abort();
  }
  return 0;
}
