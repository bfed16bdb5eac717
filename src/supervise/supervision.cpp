#include "supervise/supervision.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "reins/error.hpp"
#include "reins/units.hpp"
#include "supervise/run_job.hpp"

namespace reins::supervise {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kRusageSlack{50};

// "PSS 612.0 MiB over the 512 MiB limit (3 processes)" for the trace's guard event.
std::string guard_detail(const GuardBreach& b) {
  return fmt::format("{} {} over the {} limit ({} processes)", guard_metric_label(b.metric), format_size(b.value),
                     format_size(b.limit), b.processes);
}

}  // namespace

Supervision::Supervision(const RunOptions& options, sys::EventLoop& loop, RunReport& report)
    : opts_(options), loop_(loop), report_(report) {}

void Supervision::prepare() {
  report_.argv = opts_.command.argv;
  report_.preserve_status = opts_.preserve_status;
  start_ = Clock::now();
  job_ = make_run_job(opts_.job, report_.job, report_.notes);
  if (!job_ && report_.job.unavailable) tell(RunNotice::no_job, *report_.job.unavailable);
  if (!job_) watch_own_cgroup();
  if (job_)
    for (auto& warning : enclosing_warnings(*job_, opts_.job, report_.job)) {
      tell(RunNotice::enclosing_limit, warning);
      report_.notes.push_back(std::move(warning));
    }
  if (!opts_.trace_path.empty())
    trace_.emplace(opts_.trace_path, trace_header(), opts_.trace_interval, [this](const std::string& why) {
      tell(RunNotice::trace_stopped, why);
      report_.notes.push_back(why);
    });
}

Process& Supervision::start(const Command& cmd, Ending ending) {
  ending_ = std::move(ending);
  // Resolved once, here: what the child gets, what the report says and what an rlimit's end is judged by.
  report_.rlimits = resolve(cmd.rlimits);
  Command resolved = cmd;
  resolved.rlimits.clear();
  for (const auto& [resource, limit] : report_.rlimits) resolved.rlimits.push_back({resource, limit.soft, limit.hard});
  child_ = job_ ? job_->spawn(resolved) : Process::spawn(resolved);
  if (trace_) trace_->start(loop_, child_, job());
  guard_.emplace(opts_.guard, child_, job());
  watch_oom();
  if (opts_.timeout) timers_.push_back(loop_.after(*opts_.timeout, [this] { on_timeout(); }));
  if (opts_.cpu_time && job_) check_cpu_time();
  return child_;
}

Timeline Supervision::trace_header() const {
  Timeline header;
  header.command = opts_.command.argv;
  header.interval_s = std::chrono::duration<double>(opts_.trace_interval).count();
  if (opts_.job.limits.memory_max && *opts_.job.limits.memory_max)
    header.memory_limit_bytes = **opts_.job.limits.memory_max;
  return header;
}

void Supervision::tell(RunNotice kind, const std::string& text) const {
  if (opts_.on_notice) opts_.on_notice(kind, text);
}

void Supervision::trace_event(TimelineEventKind kind, const std::string& detail) {
  if (trace_) trace_->event(kind, detail);
}

// OOM kills matter while the command runs only to end the whole job; otherwise the end-of-run statistics
// tell everything, and the loop needs no more wake-ups.
void Supervision::watch_oom() {
  if (!job_ || !opts_.job.kill_job_on_oom || !opts_.job.limits.memory_max) return;
  job_->select_events({JobEventKind::oom_kill});
  loop_.watch(job_->event_fd(), POLLIN, [this](short) { on_job_events(); });
  oom_watched_ = true;
}

void Supervision::unwatch_oom() {
  if (oom_watched_) loop_.unwatch(job_->event_fd());
  oom_watched_ = false;
}

void Supervision::on_job_events() {
  bool oom = false;
  for (const auto& e : job_->read_events()) oom = oom || e.kind == JobEventKind::oom_kill;
  if (!oom || oom_handled_) return;
  // The OOM killer ends one process; the job goes as a whole, as systemd's OOMPolicy=stop does. Whether the
  // command was the victim or ended with the job, finish_job() reports it as killed_by oom.
  oom_handled_ = true;
  unwatch_oom();
  report_.notes.push_back("the OOM killer ended a process in the job: ended the whole job");
  trace_event(TimelineEventKind::oom, "the OOM killer ended a process in the job");
  job_->terminate();
}

void Supervision::on_timeout() {
  const int sig = opts_.timeout_signal;
  report_.killed_by = KillReason::timeout;
  report_.kill_detail =
      fmt::format("timed out after {}: sent SIG{}", format_duration(*opts_.timeout), signal_name(sig));
  report_.notes.push_back(report_.kill_detail);
  trace_event(TimelineEventKind::timeout, report_.kill_detail);
  if (sig == SIGKILL) {
    report_.timeout_sigkilled = true;
    ending_.kill();
    return;
  }
  ending_.signal(sig);
  timers_.push_back(loop_.after(opts_.kill_after, [this, sig] {
    report_.timeout_sigkilled = true;
    report_.escalation_detail =
        fmt::format("still running {} after SIG{}: sent SIGKILL", format_duration(opts_.kill_after), signal_name(sig));
    report_.notes.push_back(report_.escalation_detail);
    ending_.kill();
  }));
}

// CPU time gives no event: it is read when the limit could be reached at the earliest, had the job every
// CPU to itself since the last reading (10 ms at least, so a job near its limit costs 100 reads a second).
void Supervision::check_cpu_time() {
  cpu_timer_.reset();
  const auto used = job_->cpu_usage();
  if (used >= *opts_.cpu_time) return on_cpu_time(used);
  static const auto cpus = std::max<long>(1, ::sysconf(_SC_NPROCESSORS_ONLN));
  const auto wait = std::max<std::chrono::nanoseconds>((*opts_.cpu_time - used) / cpus, std::chrono::milliseconds(10));
  cpu_timer_ = loop_.after(wait, [this] { check_cpu_time(); });
}

void Supervision::on_cpu_time(std::chrono::nanoseconds used) {
  if (report_.killed_by) return;  // already being ended
  report_.killed_by = KillReason::cpu_time;
  report_.kill_detail = fmt::format("the job used {} of CPU time, its limit is {}: sent SIGKILL to the job",
                                    format_duration(used), format_duration(*opts_.cpu_time));
  report_.notes.push_back(report_.kill_detail);
  trace_event(TimelineEventKind::cpu_time, report_.kill_detail);
  job_->terminate();
}

// The kernel ends a process at its RLIMIT_CPU (SIGXCPU at the soft limit, SIGKILL at the hard one) and at its
// RLIMIT_FSIZE (SIGXFSZ): said as that limit, not as a signal from nowhere. A SIGKILL counts only when the
// command's CPU time reached the hard limit, within what rusage's tick-sampled split of it may lose (the
// kernel compares the exact runtime: a process ended at 1 s shows 0.998 s).
void Supervision::attribute_rlimit_end() {
  if (report_.killed_by || !report_.status.signaled()) return;
  const int sig = report_.status.signal();
  const auto cpu = report_.rusage.user_time + report_.rusage.system_time;
  for (const auto& [resource, r] : report_.rlimits) {
    if (resource == Resource::cpu && (sig == SIGXCPU || sig == SIGKILL)) {
      const RlimitValue limit = sig == SIGXCPU ? r.soft : r.hard;
      if (limit.is_unlimited() || cpu + kRusageSlack < std::chrono::seconds(limit.value())) continue;
      report_.killed_by = KillReason::rlimit_cpu;
      report_.kill_detail =
          fmt::format("the kernel ended the command at its {} CPU-time rlimit of {}s ({}), after {} of CPU",
                      sig == SIGXCPU ? "soft" : "hard", limit.value(), sig == SIGXCPU ? "SIGXCPU" : "SIGKILL",
                      format_duration(cpu));
    } else if (resource == Resource::fsize && sig == SIGXFSZ && !r.soft.is_unlimited()) {
      report_.killed_by = KillReason::rlimit_fsize;
      report_.kill_detail = fmt::format("the kernel ended the command (SIGXFSZ) at its file-size rlimit of {}",
                                        format_size(r.soft.value()));
    } else {
      continue;
    }
    report_.notes.push_back(report_.kill_detail);
    return;
  }
}

void Supervision::command_exited(const ProcessResult& result) {
  report_.wall = Clock::now() - start_;
  report_.status = result.status;
  report_.rusage = result.rusage;
  attribute_rlimit_end();
  for (auto id : timers_) loop_.cancel(id);
  timers_.clear();
  if (cpu_timer_) loop_.cancel(*cpu_timer_);
  cpu_timer_.reset();
  unwatch_oom();
  if (guard_) guard_->finish(report_);  // before the job goes: the guard watches it
  if (trace_) {
    trace_->finish();
    if (report_.guard && report_.guard->breach)
      trace_event(TimelineEventKind::guard, guard_detail(*report_.guard->breach));
  }
}

// Where no job could be made, the cgroup we are in still counts OOM kills and may be what limits us (a
// container's --memory): read it now and when the command has ended.
void Supervision::watch_own_cgroup() {
  try {
    own_layout_.emplace(opts_.job.layout ? *opts_.job.layout : CgroupLayout::discover(opts_.job.cgroup_root));
    report_.job.enclosing_limits = own_layout_->enclosing_limits();
    own_oom_kills_ = own_layout_->oom_kills();
  } catch (const Error&) {
    own_layout_.reset();  // no cgroup hierarchy at all: nothing to tell
  }
}

void Supervision::finish_without_job() {
  const bool sigkilled = report_.status.signaled() && report_.status.signal() == SIGKILL;
  if (report_.killed_by || !sigkilled || !own_oom_kills_) return;
  auto now = own_layout_->oom_kills();
  if (!now || *now <= *own_oom_kills_) return;
  report_.killed_by = KillReason::oom;
  auto limit = std::find_if(report_.job.enclosing_limits.begin(), report_.job.enclosing_limits.end(),
                            [](const auto& l) { return l.property == "MemoryMax"; });
  report_.kill_detail =
      fmt::format("the OOM killer acted in reins' own cgroup ({} kill{}{}): the command was SIGKILLed",
                  *now - *own_oom_kills_, *now - *own_oom_kills_ == 1 ? "" : "s",
                  limit == report_.job.enclosing_limits.end()
                      ? std::string()
                      : fmt::format(", at the limit of {} that {} sets", format_size(limit->value), limit->cgroup));
  report_.notes.push_back(report_.kill_detail);
}

void Supervision::finish_job() {
  if (job_)
    finish_run_job(*job_, opts_.job, report_);
  else
    finish_without_job();
  // An OOM kill found only now (the command exited before its event was read) is in the trace too, in the
  // words of the report, and the exit last.
  if (report_.killed_by == KillReason::oom && !oom_handled_) trace_event(TimelineEventKind::oom, report_.kill_detail);
  trace_event(TimelineEventKind::exit, report_.status.describe());
}

}  // namespace reins::supervise
