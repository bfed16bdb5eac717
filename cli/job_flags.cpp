// The job flags of `reins run` (and `reins job create/set`): limits in reins' own short form and in
// systemd's property form, plus what happens to the job at exit.
#include <fmt/format.h>

#include "reins/job.hpp"
#include "reins/units.hpp"
#include "run_flags.hpp"

namespace reins::cli {
namespace {

bool names_a_signal(const std::string& text) {
  try {
    parse_signal(text);
    return true;
  } catch (const InvalidArgument&) {
    return false;
  }
}

}  // namespace

namespace {

void set_property(JobLimits& l, std::string_view name, const std::string& value) {
  apply_job_property(l, fmt::format("{}={}", name, value));
}

}  // namespace

const std::vector<Flag<JobLimits>>& limit_flags() {
  static const std::vector<Flag<JobLimits>> flags = checked<JobLimits>({
      {{"memory", 'm', "SIZE", "memory limit of the whole job; the OOM killer acts above it (MemoryMax=)"},
       [](JobLimits& l, const std::string& v) { l.memory_max = parse_size_limit(v); }},
      {{"memory-high", 0, "SIZE", "throttle the job above this much memory; cgroup v2 only (MemoryHigh=)"},
       [](JobLimits& l, const std::string& v) { l.memory_high = parse_size_limit(v); }},
      {{"swap", 0, "SIZE", "swap the job may use besides its memory, e.g. 0 (MemorySwapMax=)"},
       [](JobLimits& l, const std::string& v) { l.swap_max = parse_size_limit(v); }},
      {{"cpus", 0, "N", "CPU time cap in CPUs' worth, e.g. 1.5 or 0.2 (CPUQuota=)"},
       [](JobLimits& l, const std::string& v) { l.cpu_quota = parse_cpus(v); }},
      {{"cpu-weight", 0, "N", "CPU share against other jobs, 1..10000, default 100 (CPUWeight=)"},
       [](JobLimits& l, const std::string& v) { set_property(l, "CPUWeight", v); }},
      {{"cpuset", 0, "LIST", "CPUs the job may run on, e.g. 0-1,3 (AllowedCPUs=)"},
       [](JobLimits& l, const std::string& v) { l.cpuset_cpus = parse_cpu_list(v); }},
      {{"pids", 0, "N", "most processes and threads the job may have (TasksMax=)"},
       [](JobLimits& l, const std::string& v) { set_property(l, "TasksMax", v); }},
      {{"property", 'p', "NAME=VALUE",
        "a systemd resource-control property (repeatable), e.g. MemoryMax=1G, CPUQuota=150%", Complete::property},
       [](JobLimits& l, const std::string& v) {
         // tini's -p SIGNAL (its parent-death signal) typed here: say where it went.
         if (v.find('=') == std::string::npos && names_a_signal(v))
           throw InvalidArgument(fmt::format(
               "-p '{}': -p is --property NAME=VALUE in reins; tini's -p SIGNAL is --pdeathsig {} (reins init)", v, v));
         apply_job_property(l, v);
       }},
  });
  return flags;
}

JobLimits limits_of(const ParsedArgs& args) {
  JobLimits l;
  for (const auto& [opt, value] : args.options) apply_flag(limit_flags(), l, *opt, value);
  return l;
}

SystemdScope parse_systemd_scope(const std::string& text) {
  for (auto s : {SystemdScope::when_needed, SystemdScope::always, SystemdScope::never})
    if (text == systemd_scope_name(s)) return s;
  throw InvalidArgument(fmt::format("invalid --systemd '{}': use auto, always or never", text));
}

const FlagGroup& job_flags() {
  static const FlagGroup group = checked<RunFlags>([] {
    FlagGroup all;
    for (const auto& limit : limit_flags())
      all.push_back(
          {limit.option, [apply = limit.apply](RunFlags& f, const std::string& v) { apply(f.run.job.limits, v); }});
    all.push_back(
        {{"keep-job", 0, "NAME", "name the job NAME and leave it, and whatever still runs in it, in place at exit"},
         [](RunFlags& f, const std::string& v) { f.run.job.keep_name = v; }});
    all.push_back({{"no-job", 0, nullptr, "run without a cgroup job (no job limits or job statistics)"},
                   [](RunFlags& f, const std::string&) { f.run.job.enabled = false; }});
    all.push_back({{"cgroup-root", 0, "CGROUP",
                    "make the job below this cgroup (a path inside each hierarchy) instead of reins' own"},
                   [](RunFlags& f, const std::string& v) { f.run.job.cgroup_root = v; }});
    all.push_back({{"systemd", 0, "WHEN",
                    "ask systemd for a delegated scope for the job: auto (when reins' own cgroup cannot hold it; "
                    "the default), always, never"},
                   [](RunFlags& f, const std::string& v) { f.run.job.systemd = parse_systemd_scope(v); }});
    return all;
  }());
  return group;
}

}  // namespace reins::cli
