// Statistics of one cgroup2 cgroup (Documentation/admin-guide/cgroup-v2.rst): cpu.stat is core and counts
// in microseconds; memory.current/peak in bytes; memory.events and pids.events are hierarchical counters.
#include <chrono>

#include "cgroup/common_stats.hpp"
#include "cgroup/parse.hpp"
#include "cgroup/v2/backend.hpp"
#include "sys/fields.hpp"

namespace reins::cgroup {
namespace {

std::chrono::nanoseconds usec(std::uint64_t v) { return std::chrono::microseconds(static_cast<long long>(v)); }

}  // namespace

void read_v2_cpu(const CgroupDir& dir, bool with_throttling, JobCpuStats& out) {
  auto read = dir.try_read("cpu.stat");
  if (!read.ok()) return;
  const std::string& text = *read;
  if (auto v = sys::field_u64(text, "usage_usec")) out.usage = usec(*v);
  if (auto v = sys::field_u64(text, "user_usec")) out.user = usec(*v);
  if (auto v = sys::field_u64(text, "system_usec")) out.system = usec(*v);
  if (!with_throttling) return;
  out.periods = sys::field_u64(text, "nr_periods");
  out.throttled_periods = sys::field_u64(text, "nr_throttled");
  if (auto v = sys::field_u64(text, "throttled_usec")) out.throttled = usec(*v);
}

JobMemoryStats read_v2_memory(const CgroupDir& dir) {
  JobMemoryStats m;
  m.current = dir.read_u64("memory.current");
  m.peak = dir.read_u64("memory.peak");  // Linux 5.19+
  m.swap = dir.read_u64("memory.swap.current");
  if (auto text = dir.try_read("memory.stat"); text.ok()) {
    keep_memory_stat(*text, m);
    m.anon = sys::field_u64(*text, "anon");
    m.file = sys::field_u64(*text, "file");
    m.kernel = sys::field_u64(*text, "kernel");
  }
  if (auto text = dir.try_read("memory.events"); text.ok()) {
    m.oom_kills = sys::field_u64(*text, "oom_kill").value_or(0);
    m.limit_hits = sys::field_u64(*text, "max").value_or(0);
    m.high_hits = sys::field_u64(*text, "high").value_or(0);
  }
  return m;
}

std::vector<JobIoDeviceStats> read_v2_io(const CgroupDir& dir) {
  auto text = dir.try_read("io.stat");
  return text.ok() ? parse_io_stat(*text) : std::vector<JobIoDeviceStats>{};
}

}  // namespace reins::cgroup
