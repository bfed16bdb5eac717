#include "supervise/run_job.hpp"

#include <signal.h>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reins/units.hpp"

namespace reins::supervise {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n + "=";
  return out;
}

}  // namespace

// A fresh job for the command, or nullopt (with the reason in the report) when none can be made and no
// option needs one.
std::optional<Job> make_run_job(const RunJobOptions& o, RunJobReport& report, std::vector<std::string>& notes) {
  if (!o.enabled) return std::nullopt;
  JobOptions jo;
  jo.limits = o.limits;
  jo.layout = o.layout;
  jo.systemd = o.keep_name.empty() ? o.systemd : SystemdScope::never;
  std::optional<CgroupLayout> rooted;
  jo.accounting.memory = o.statistics;  // peak memory of the whole tree
  jo.accounting.pids = o.statistics;    // peak process count
  try {
    // Discovered once, for the sweep of abandoned jobs and for the new one.
    if (!jo.layout) jo.layout = &rooted.emplace(CgroupLayout::discover(o.cgroup_root));
    if (!o.existing_name.empty()) {
      Job job = Job::open(o.existing_name, jo.layout, o.existing_open);
      report.name = job.name();
      report.cgroup = job.paths().front();
      report.kept = true;
      return job;
    }
    // Jobs that earlier runs left when they were SIGKILLed (their commands died with them) go before a new
    // one is made beside them. Best effort: the run does not depend on it.
    try {
      report.abandoned_removed = Job::remove_abandoned(jo.layout);
    } catch (const Error& e) {
      // The jobs could not be listed: this run goes on, and says so.
      notes.push_back(fmt::format("could not look for jobs left by killed earlier runs: {}", e.what()));
    }
    Job job = o.keep_name.empty() ? Job::create(jo) : Job::create(o.keep_name, jo);
    report.name = job.name();
    report.cgroup = job.paths().front();
    report.unit = job.unit();
    return job;
  } catch (const InvalidArgument&) {
    throw;
  } catch (const Error& e) {
    if (!o.existing_name.empty()) throw;
    std::vector<std::string> needs = property_names(o.limits);
    if (!o.keep_name.empty()) needs.push_back("keep-job " + o.keep_name);
    if (o.systemd == SystemdScope::always) needs.push_back("systemd always");
    if (!needs.empty())
      throw Error(e.errno_value(), fmt::format("cannot create the cgroup job that {} need(s): {}",
                                               property_names(o.limits).empty() ? "--" + needs.front()
                                                                                : joined(property_names(o.limits)),
                                               e.what()));
    report.unavailable = e.what();
    notes.push_back(
        fmt::format("ran without a cgroup job ({}): the report covers only the command and the "
                    "children it waited for, and what it leaves behind keeps running",
                    e.what()));
    return std::nullopt;
  }
}

namespace {

std::string limit_text(const EnclosingLimit& l) {
  return l.property == "MemoryMax" ? format_size(l.value) : fmt::format("{} processes", l.value);
}

// The job's own limit for the same property, when it asked for a number.
std::optional<std::uint64_t> own_limit(const JobLimits& limits, const EnclosingLimit& l) {
  const auto& asked = l.property == "MemoryMax" ? limits.memory_max : limits.pids_max;
  return asked && *asked ? std::optional<std::uint64_t>(**asked) : std::nullopt;
}

}  // namespace

std::vector<std::string> enclosing_warnings(const Job& job, const RunJobOptions& options, RunJobReport& report) {
  std::vector<std::string> out;
  // Read at the start only for a report or a limit to compare with; an OOM's cause reads them then.
  if (!options.statistics && !options.limits.memory_max && !options.limits.pids_max) return out;
  report.enclosing_limits = job.enclosing_limits();
  for (const auto& l : report.enclosing_limits) {
    auto asked = own_limit(options.limits, l);
    if (!asked || l.value >= *asked) continue;
    out.push_back(fmt::format("the enclosing cgroup {} allows {} ({}), below the {} asked for: the job gets at most {}",
                              l.cgroup, limit_text(l), l.property,
                              l.property == "MemoryMax" ? format_size(*asked) : std::to_string(*asked), limit_text(l)));
  }
  return out;
}

namespace {

// The OOM killer acted without the job's own limit being reached: when an enclosing cgroup limits memory,
// it was its limit (its counters, not the job's, show the hit).
std::string oom_detail(const RunJobReport& job, const ExitStatus& status) {
  const std::string ended =
      status.signaled() ? std::string("the command was SIGKILLed") : "the command " + status.describe();
  std::string kills = fmt::format("{} kill{}", job.oom_kills, job.oom_kills == 1 ? "" : "s");
  auto enclosing = std::find_if(job.enclosing_limits.begin(), job.enclosing_limits.end(),
                                [](const auto& l) { return l.property == "MemoryMax"; });
  if (job.memory_limit_hits == 0 && enclosing != job.enclosing_limits.end())
    return fmt::format(
        "the OOM killer acted in the job ({}) at the enclosing cgroup {}'s limit of {}, not the job's own: {}", kills,
        enclosing->cgroup, limit_text(*enclosing), ended);
  return fmt::format("the OOM killer acted in the job ({}): {}", kills, ended);
}

void fill_job_report(const JobStats& s, RunJobReport& r) {
  r.cpu = s.cpu.usage;
  r.cpu_user = s.cpu.user;
  r.cpu_system = s.cpu.system;
  r.throttled_periods = s.cpu.throttled_periods;
  r.throttled = s.cpu.throttled;
  if (s.memory) {
    r.peak_memory_bytes = s.memory->peak;
    r.oom_kills = s.memory->oom_kills;
    r.memory_limit_hits = s.memory->limit_hits;
  }
  if (s.pids) {
    r.pids_peak = s.pids->peak;
    r.pids_limit_hits = s.pids->limit_hits;
  }
}

}  // namespace

void finish_run_job(Job& job, const RunJobOptions& options, RunReport& report) {
  const bool keep = !options.keep_name.empty() || !options.existing_name.empty();
  if (!keep && job.populated()) {
    report.job.leftovers_killed = job.pids().size();
    job.terminate();
    report.notes.push_back(
        fmt::format("killed {} process(es) the command left behind in its job", report.job.leftovers_killed));
  }
  const bool sigkilled = report.status.signaled() && report.status.signal() == SIGKILL;
  // Ending the job on an OOM kill is the policy: whether the command was SIGKILLed by that end or exited
  // first with a failure of its own (a shell whose child the OOM killer ended exits 137) depends only on
  // which event came first, so the cause is the same in both.
  const bool ended_by_policy =
      options.kill_job_on_oom && options.limits.memory_max && report.status.exited() && report.status.exit_code() != 0;
  if (options.statistics || sigkilled || ended_by_policy) fill_job_report(job.stats(), report.job);
  if (!report.killed_by && (sigkilled || ended_by_policy) && report.job.oom_kills > 0) {
    report.killed_by = KillReason::oom;
    report.job.enclosing_limits = job.enclosing_limits();  // as they are now, whether or not read at the start
    report.kill_detail = oom_detail(report.job, report.status);
    report.notes.push_back(report.kill_detail);
  }
  if (keep) {
    job.release();
    report.job.kept = true;
  } else {
    try {
      job.remove();  // empty by now: terminate() above, or nothing was left
    } catch (const Error& e) {
      // Kept whole and marked as ours, so the next run or `reins job clean` ends and removes it; the report
      // and the command's exit status are not lost for it.
      report.notes.push_back(fmt::format("could not remove the job ({}): it is left for 'reins job clean'", e.what()));
    }
  }
  // Last, so that the notes about how the command ended come first.
  if (const auto& gone = report.job.abandoned_removed; !gone.empty())
    report.notes.push_back(
        fmt::format("removed {} empty job(s) left by killed earlier runs: {}", gone.size(), fmt::join(gone, ", ")));
}

}  // namespace reins::supervise
