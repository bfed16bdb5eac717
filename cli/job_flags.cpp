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

void set_property(JobLimits& l, std::string_view name, const std::string& value) {
  apply_job_property(l, fmt::format("{}={}", name, value));
}

// systemd's properties that belong to the run rather than to its job: Limit*= (the command's rlimits, with
// systemd's value syntax, which is reins' own: SOFT:HARD, infinity), RuntimeMaxSec= (--timeout) and
// OOMPolicy= (stop and kill end the whole job, reins' default; continue leaves the rest running).
bool apply_run_property(RunFlags& f, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) return false;
  const std::string name = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  if (name.starts_with("Limit") && name.size() > 5) {
    f.run.command.rlimits.push_back(parse_rlimit_setting(name.substr(5) + "=" + value));
    return true;
  }
  if (name == "RuntimeMaxSec") {
    auto d = value == "infinity" ? std::chrono::nanoseconds(0) : parse_duration(value);
    f.run.timeout = d.count() == 0 ? std::nullopt : std::optional<std::chrono::nanoseconds>(d);
    return true;
  }
  if (name == "OOMPolicy") {
    if (value != "stop" && value != "kill" && value != "continue")
      throw InvalidArgument(fmt::format("invalid OOMPolicy= value '{}': expected stop, kill or continue", value));
    f.run.job.kill_job_on_oom = value != "continue";
    return true;
  }
  return false;
}

// The property `alone` sets that `before` already set to something else, if any.
std::optional<std::string> conflict(const JobLimits& before, const JobLimits& alone) {
  std::optional<std::string> found;
  auto check = [&](auto member) {
    if (found || !(alone.*member) || !(before.*member) || *(alone.*member) == *(before.*member)) return;
    JobLimits only;
    only.*member = alone.*member;
    found = property_names(only).front();
  };
  check(&JobLimits::memory_max);
  check(&JobLimits::memory_high);
  check(&JobLimits::swap_max);
  // CPUQuota= and CPUQuotaPeriodSec= combine (the period keeps the share asked for): only two shares conflict.
  if (!found && alone.cpu_quota && before.cpu_quota && alone.cpu_quota->quota && before.cpu_quota->quota &&
      alone.cpu_quota->quota->count() * before.cpu_quota->period.count() !=
          before.cpu_quota->quota->count() * alone.cpu_quota->period.count())
    found = "CPUQuota";
  check(&JobLimits::cpu_weight);
  check(&JobLimits::cpuset_cpus);
  check(&JobLimits::cpuset_mems);
  check(&JobLimits::pids_max);
  for (const auto& a : alone.io)
    for (const auto& b : before.io)
      if (!found && a.major == b.major && a.minor == b.minor && a.kind == b.kind && a.value != b.value) {
        JobLimits only;
        only.io = {a};
        found = property_names(only).front();
      }
  return found;
}

// Applies one limit flag. Each limit is set once: `-m 1G -p MemoryMax=2G` is refused rather than the last one
// silently winning (the same value twice is no conflict).
void apply_limit(const Flag<JobLimits>& flag, JobLimits& limits, const std::string& value) {
  JobLimits alone;
  flag.apply(alone, value);
  if (auto property = conflict(limits, alone))
    throw InvalidArgument(
        fmt::format("{}= is set twice, to different values (again by --{} '{}'): give each limit once", *property,
                    flag.option.long_name, value));
  flag.apply(limits, value);  // on the limits so far: a period applies to the quota already given
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
  for (const auto& [opt, value] : args.options)
    for (const auto& flag : limit_flags())
      if (std::string_view(flag.option.long_name) == opt->long_name) apply_limit(flag, l, value);
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
      all.push_back({limit.option, [&limit](RunFlags& f, const std::string& v) {
                       const bool property = std::string_view(limit.option.long_name) == "property";
                       if (!property || !apply_run_property(f, v)) apply_limit(limit, f.run.job.limits, v);
                     }});
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
