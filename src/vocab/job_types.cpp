// The job value types' own operations: construction checks, comparison, merging, names.
#include "reins/job_types.hpp"

#include <cmath>

#include <fmt/format.h>

#include "reins/error.hpp"

namespace reins {

CpuQuota CpuQuota::cpus(double cpus, std::chrono::microseconds period) {
  double quota = cpus * static_cast<double>(period.count());
  if (!(cpus > 0) || cpus > 4096 || quota < 1000)
    throw InvalidArgument(
        fmt::format("invalid CPU share {}: expected more than 0 CPUs (at least 1 ms of CPU per "
                    "period of {} us) and at most 4096",
                    cpus, period.count()));
  return CpuQuota{std::chrono::microseconds(std::llround(quota)), period};
}

bool JobLimits::empty() const noexcept { return *this == JobLimits{}; }

void JobLimits::merge(const JobLimits& o) {
  auto take = [](auto& mine, const auto& theirs) {
    if (theirs) mine = theirs;
  };
  take(memory_max, o.memory_max);
  take(memory_high, o.memory_high);
  take(swap_max, o.swap_max);
  take(cpu_quota, o.cpu_quota);
  take(cpu_weight, o.cpu_weight);
  take(cpuset_cpus, o.cpuset_cpus);
  take(cpuset_mems, o.cpuset_mems);
  take(pids_max, o.pids_max);
  for (const auto& d : o.io) {
    std::erase_if(io,
                  [&](const IoDeviceLimit& x) { return x.major == d.major && x.minor == d.minor && x.kind == d.kind; });
    io.push_back(d);
  }
}

std::string_view event_name(JobEventKind kind) noexcept {
  switch (kind) {
    case JobEventKind::all_exited:
      return "all-exited";
    case JobEventKind::oom_kill:
      return "oom-kill";
    case JobEventKind::memory_limit:
      return "memory-limit";
    case JobEventKind::memory_high:
      return "memory-high";
    case JobEventKind::pids_limit:
      return "pids-limit";
  }
  return "?";
}

}  // namespace reins
