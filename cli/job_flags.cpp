// The job flags of `reins run` (and `reins job create/set`): limits in reins' own short form and in
// systemd's property form, plus what happens to the job at exit.
#include <fmt/format.h>

#include "reins/job.hpp"
#include "reins/units.hpp"
#include "run_flags.hpp"

namespace reins::cli {
namespace {

void set_property(JobLimits& l, std::string_view name, const std::string& value) {
  apply_job_property(l, fmt::format("{}={}", name, value));
}

}  // namespace

const std::vector<Option>& limit_options() {
  static const std::vector<Option> options{
      {"memory", 'm', "SIZE", "memory limit of the whole job; the OOM killer acts above it (MemoryMax=)"},
      {"memory-high", 0, "SIZE", "throttle the job above this much memory; cgroup v2 only (MemoryHigh=)"},
      {"swap", 0, "SIZE", "swap the job may use besides its memory, e.g. 0 (MemorySwapMax=)"},
      {"cpus", 0, "N", "CPU time cap in CPUs' worth, e.g. 1.5 or 0.2 (CPUQuota=)"},
      {"cpu-weight", 0, "N", "CPU share against other jobs, 1..10000, default 100 (CPUWeight=)"},
      {"cpuset", 0, "LIST", "CPUs the job may run on, e.g. 0-1,3 (AllowedCPUs=)"},
      {"pids", 0, "N", "most processes and threads the job may have (TasksMax=)"},
      {"property", 'p', "NAME=VALUE",
       "a systemd resource-control property (repeatable), e.g. MemoryMax=1G, CPUQuota=150%", "property"},
  };
  return options;
}

bool apply_limit_flag(JobLimits& l, std::string_view name, const std::string& value) {
  if (name == "memory")
    l.memory_max = parse_size_limit(value);
  else if (name == "memory-high")
    l.memory_high = parse_size_limit(value);
  else if (name == "swap")
    l.swap_max = parse_size_limit(value);
  else if (name == "cpus")
    l.cpu_quota = parse_cpus(value);
  else if (name == "cpu-weight")
    set_property(l, "CPUWeight", value);
  else if (name == "cpuset")
    l.cpuset_cpus = parse_cpu_list(value);
  else if (name == "pids")
    set_property(l, "TasksMax", value);
  else if (name == "property")
    apply_job_property(l, value);
  else
    return false;
  return true;
}

const FlagGroup& job_flags() {
  static const FlagGroup group{
      options_of({},
                 [] {
                   std::vector<Option> all = limit_options();
                   all.push_back({"keep-job", 0, "NAME",
                                  "name the job NAME and leave it, and whatever still runs in it, in place at exit"});
                   all.push_back({"no-job", 0, nullptr, "run without a cgroup job (no job limits or job statistics)"});
                   all.push_back(
                       {"cgroup-root", 0, "CGROUP",
                        "make the job below this cgroup (a path inside each hierarchy) instead of reins' own"});
                   return all;
                 }()),
      [](RunOptions& opts, std::string_view name, const std::string& value) {
        if (apply_limit_flag(opts.job.limits, name, value)) return true;
        if (name == "keep-job")
          opts.job.keep_name = value;
        else if (name == "no-job")
          opts.job.enabled = false;
        else if (name == "cgroup-root")
          opts.job.cgroup_root = value;
        else
          return false;
        return true;
      },
  };
  return group;
}

}  // namespace reins::cli
