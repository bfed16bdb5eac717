#include "cgroup/common_stats.hpp"

#include "sys/fields.hpp"

namespace reins::cgroup {

JobPidsStats read_pids(const CgroupDir& dir) {
  JobPidsStats p;
  p.current = dir.read_u64("pids.current");
  p.peak = dir.read_u64("pids.peak");  // v2 since 6.1; some v1 kernels
  if (auto text = dir.try_read("pids.events"); text.ok()) p.limit_hits = sys::field_u64(*text, "max").value_or(0);
  return p;
}

void keep_memory_stat(std::string_view text, JobMemoryStats& out) {
  sys::for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (auto v = sys::parse_u64(value)) out.stat.emplace_back(std::string(key), *v);
  });
}

}  // namespace reins::cgroup
