// libFuzzer target: /proc/self/mountinfo, and turning a mount and a path into a cgroup directory.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cgroup/memory_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto mounts = reins::cgroup::parse_cgroup_mounts(text);
  for (const auto& m : {mounts.v2, mounts.v1_memory}) {
    if (!m) continue;
    if (m->root.empty() || m->mount_point.empty()) std::abort();
    if (reins::cgroup::unescape_mount_path(m->mount_point).size() > m->mount_point.size()) std::abort();
    reins::cgroup::cgroup_dir(*m, m->root);
  }
  reins::cgroup::memory_cgroup_dir(text, text, true);
  return 0;
}
