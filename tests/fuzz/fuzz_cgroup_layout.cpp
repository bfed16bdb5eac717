// libFuzzer target: layout discovery reads /proc/self/mountinfo and /proc/self/cgroup, text the kernel writes
// but a container runtime or a bind mount shapes. The input is split at its first NUL into the two files.
// Discovery must return a layout or throw reins::Error: never crash, hang or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cgroup/layout.hpp"
#include "cgroup/mountinfo.hpp"
#include "reins/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nul = text.find('\0');
  std::string_view mountinfo = text.substr(0, nul);
  std::string_view proc_cgroup = nul == std::string_view::npos ? std::string_view{} : text.substr(nul + 1);
  (void)reins::cgroup::parse_cgroup_mounts(mountinfo);
  (void)reins::cgroup::parse_proc_cgroup(proc_cgroup);
  (void)reins::cgroup::membership_path(proc_cgroup, "memory");
  (void)reins::cgroup::path_within(mountinfo, proc_cgroup);
  reins::cgroup::LayoutOptions options;
  options.fs_prefix = "/nonexistent-reins-fuzz";
  try {
    auto layout = reins::cgroup::Layout::from_texts(mountinfo, proc_cgroup, options);
    (void)layout.describe();
    for (const auto& h : layout.hierarchies()) (void)h.dir_of(h.child_path("job"));
    (void)layout.core();
  } catch (const reins::Error&) {
  }
  return 0;
}
