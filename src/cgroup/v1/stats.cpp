// Statistics of v1 cgroups (Documentation/admin-guide/cgroup-v1/): memory in bytes, cpuacct.usage in
// nanoseconds (exact), cpu.stat throttled_time in nanoseconds, blkio per device and operation.
#include <sys/eventfd.h>

#include <algorithm>

#include <fmt/format.h>

#include "cgroup/common_stats.hpp"
#include "cgroup/parse.hpp"
#include "cgroup/v1/backend.hpp"
#include "reins/error.hpp"
#include "sys/fds.hpp"
#include "sys/fields.hpp"

namespace reins::cgroup {
namespace {

std::chrono::nanoseconds ns(std::uint64_t v) { return std::chrono::nanoseconds(static_cast<long long>(v)); }

// Whether the peak of a counter came within 1 MiB (more than a charge batch of 64 pages) of its limit.
bool reached(const CgroupDir& dir, const char* peak_file, const char* limit_file) {
  auto peak = dir.read_u64(peak_file);
  auto text = dir.try_read(limit_file);
  auto limit = text.ok() ? parse_v1_limit(*text) : std::nullopt;
  return peak && limit && *limit && *peak + (1u << 20) >= **limit;
}

}  // namespace

JobMemoryStats read_v1_memory(const CgroupDir& dir) {
  JobMemoryStats m;
  m.current = dir.read_u64("memory.usage_in_bytes");
  m.peak = dir.read_u64("memory.max_usage_in_bytes");
  auto memsw = dir.read_u64("memory.memsw.usage_in_bytes");
  if (memsw && m.current) m.swap = *memsw > *m.current ? *memsw - *m.current : 0;
  if (auto text = dir.try_read("memory.stat"); text.ok()) {
    keep_memory_stat(*text, m);
    // total_* include the job's sub-cgroups; rss is anonymous memory (plus swap cache).
    m.anon = sys::field_u64(*text, "total_rss");
    m.file = sys::field_u64(*text, "total_cache");
  }
  if (auto text = dir.try_read("memory.oom_control"); text.ok())
    m.oom_kills = sys::field_u64(*text, "oom_kill").value_or(0);
  // A charge refused at the limit counts in failcnt, or in memsw.failcnt for the memory+swap limit; but 6.18
  // leaves both at 0 when a memsw limit is set (measured). Then the peak tells whether an OOM kill came at
  // the job's own limit: it reached it, within a charge batch. (An enclosing cgroup's lower limit leaves the
  // job's counters at 0 and its peak below its own limit: that OOM was not the job's limit.)
  m.limit_hits = dir.read_u64("memory.failcnt").value_or(0) + dir.read_u64("memory.memsw.failcnt").value_or(0);
  if (m.limit_hits == 0 && m.oom_kills > 0 &&
      (reached(dir, "memory.max_usage_in_bytes", "memory.limit_in_bytes") ||
       reached(dir, "memory.memsw.max_usage_in_bytes", "memory.memsw.limit_in_bytes")))
    m.limit_hits = m.oom_kills;
  return m;
}

void read_v1_cpuacct(const CgroupDir& dir, JobCpuStats& out) {
  if (auto v = dir.read_u64("cpuacct.usage")) out.usage = ns(*v);
  // usage_user/usage_sys come from tick sampling and can exceed usage; they are only a split.
  if (auto v = dir.read_u64("cpuacct.usage_user")) out.user = ns(*v);
  if (auto v = dir.read_u64("cpuacct.usage_sys")) out.system = ns(*v);
}

void read_v1_cpu_throttling(const CgroupDir& dir, JobCpuStats& out) {
  auto text = dir.try_read("cpu.stat");
  if (!text.ok()) return;
  out.periods = sys::field_u64(*text, "nr_periods");
  out.throttled_periods = sys::field_u64(*text, "nr_throttled");
  if (auto v = sys::field_u64(*text, "throttled_time")) out.throttled = ns(*v);
}

std::vector<JobIoDeviceStats> read_v1_blkio(const CgroupDir& dir) {
  std::vector<JobIoDeviceStats> out;
  if (auto text = dir.try_read("blkio.throttle.io_service_bytes_recursive"); text.ok())
    add_blkio_stat(*text, true, out);
  if (auto text = dir.try_read("blkio.throttle.io_serviced_recursive"); text.ok()) add_blkio_stat(*text, false, out);
  return out;
}

UniqueFd register_v1_event(const CgroupDir& dir, int file_fd, std::string_view args) {
  UniqueFd event = sys::make_eventfd("a cgroup v1 notification");
  const int efd = event.get();
  // The kernel resolves the file when the line is written; it need not stay open afterwards.
  std::string line = fmt::format("{} {}{}{}", efd, file_fd, args.empty() ? "" : " ", args);
  dir.write("cgroup.event_control", line);
  return event;
}

}  // namespace reins::cgroup
