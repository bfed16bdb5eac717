#include "reins/run.hpp"
#include "reins/units.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "supervise/run_guard.hpp"
#include "supervise/run_job.hpp"
#include "supervise/run_trace.hpp"
#include "sys/event_loop.hpp"

namespace reins {
namespace {

using Clock = std::chrono::steady_clock;

UniqueFd make_signalfd(const std::vector<int>& signals) {
  sigset_t set;
  ::sigemptyset(&set);
  for (int s : signals) ::sigaddset(&set, s);
  int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) throw_errno("create", "signalfd");
  return UniqueFd(fd);
}

// A terminal's INT/QUIT/TSTP reach the whole foreground process group. If the command shares our group it
// already has the signal, and forwarding it would deliver it twice.
bool already_delivered_by_tty(const signalfd_siginfo& si, const Process& child) {
  bool tty_signal = si.ssi_signo == SIGINT || si.ssi_signo == SIGQUIT || si.ssi_signo == SIGTSTP;
  return tty_signal && si.ssi_code == SI_KERNEL && ::getpgid(child.pid()) == ::getpgrp();
}

// "PSS 612.0 MiB over the 512 MiB limit (3 processes): kill" for the trace's guard event.
std::string guard_detail(const GuardBreach& b) {
  return fmt::format("{} {} over the {} limit ({} processes)", b.metric == GuardMetric::rss   ? "RSS"
                                                                : b.metric == GuardMetric::uss ? "USS"
                                                                : b.metric == GuardMetric::pss ? "PSS"
                                                                                               : "memory",
                     format_size(b.value), format_size(b.limit), b.processes);
}

class Supervisor {
 public:
  explicit Supervisor(const RunOptions& opts) : opts_(opts) {}

  RunReport run() {
    report_.argv = opts_.command.argv;
    start_ = Clock::now();
    job_ = make_run_job(opts_.job, report_.job, report_.notes);
    if (!opts_.trace_path.empty()) trace_.emplace(opts_.trace_path, trace_header(), opts_.trace_interval);
    child_ = job_ ? job_->spawn(opts_.command) : Process::spawn(opts_.command);
    if (trace_) trace_->start(loop_, child_, job_ ? &*job_ : nullptr);
    guard_.emplace(opts_.guard, child_, job_ ? &*job_ : nullptr);
    UniqueFd sigfd;
    if (!opts_.forward_signals.empty()) {
      sigfd = make_signalfd(opts_.forward_signals);
      loop_.watch(sigfd.get(), POLLIN, [&](short) { forward(sigfd.get()); });
    }
    loop_.watch(child_.pidfd(), POLLIN, [&](short) { loop_.stop(); });
    // OOM kills matter while the command runs only to end the whole job; otherwise the end-of-run
    // statistics tell everything, and the loop needs no more wake-ups.
    if (job_ && opts_.job.kill_job_on_oom && opts_.job.limits.memory_max) {
      job_->select_events({JobEventKind::oom_kill});
      loop_.watch(job_->event_fd(), POLLIN, [&](short) { on_job_events(); });
    }
    if (opts_.timeout) loop_.after(*opts_.timeout, [&] { on_timeout(); });
    loop_.run();
    auto result = child_.wait();
    report_.wall = Clock::now() - start_;
    report_.status = result.status;
    report_.rusage = result.rusage;
    guard_->finish(report_);  // before the job goes: the guard watches it
    if (trace_) {
      trace_->finish();
      if (report_.guard && report_.guard->breach) trace_->event("guard", guard_detail(*report_.guard->breach));
      trace_->event("exit", result.status.describe());
    }
    if (job_) finish_job();
    return std::move(report_);
  }

 private:
  void finish_job() { finish_run_job(*job_, opts_.job, report_); }

  Timeline trace_header() const {
    Timeline header;
    header.command = opts_.command.argv;
    header.interval_s = std::chrono::duration<double>(opts_.trace_interval).count();
    if (opts_.job.limits.memory_max && *opts_.job.limits.memory_max)
      header.memory_limit_bytes = **opts_.job.limits.memory_max;
    return header;
  }

  void on_job_events() {
    bool oom = false;
    for (const auto& e : job_->read_events()) oom = oom || e.kind == JobEventKind::oom_kill;
    if (!oom || oom_handled_) return;
    // The OOM killer ends one process; the job goes as a whole, as systemd's OOMPolicy=stop does. Whether
    // the command was the victim or ended with the job, finish_job() reports it as killed_by "oom".
    oom_handled_ = true;
    report_.notes.push_back("the OOM killer ended a process in the job: ended the whole job");
    if (trace_) trace_->event("oom", "the OOM killer ended a process in the job");
    job_->terminate();
  }

  void kill_everything() {
    if (job_) job_->terminate();
    else child_.signal(SIGKILL);
  }

  void forward(int sigfd) {
    signalfd_siginfo si{};
    while (::read(sigfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
      int sig = static_cast<int>(si.ssi_signo);
      if (already_delivered_by_tty(si, child_)) continue;
      if (child_.signal(sig)) report_.signals_forwarded.push_back(sig);
    }
  }

  void on_timeout() {
    report_.killed_by = "timeout";
    report_.notes.push_back(fmt::format("timed out after {}: sent SIGTERM", format_duration(*opts_.timeout)));
    if (trace_) trace_->event("timeout", report_.notes.back());
    child_.signal(SIGTERM);
    loop_.after(opts_.kill_after, [&] {
      report_.notes.push_back(
          fmt::format("still running {} after SIGTERM: sent SIGKILL", format_duration(opts_.kill_after)));
      kill_everything();
    });
  }

  const RunOptions& opts_;
  RunReport report_;
  std::optional<Job> job_;  // before child_: a child still running at unwinding is killed, then its job
  std::optional<RunTrace> trace_;
  Process child_;
  std::optional<RunGuard> guard_;  // after child_ and job_: stopped before either is destroyed
  bool oom_handled_ = false;
  sys::EventLoop loop_;
  Clock::time_point start_;
};

}  // namespace

int RunReport::exit_code() const noexcept {
  if (killed_by == "timeout") return 124;
  return status.shell_code();
}

RunReport run(const RunOptions& options) { return Supervisor(options).run(); }

bool needs_supervisor(const RunOptions& o) noexcept {
  return o.job.enabled || o.timeout || o.guard || !o.trace_path.empty();
}

sigset_t block_signals(const std::vector<int>& signals) {
  sigset_t set, old;
  ::sigemptyset(&set);
  for (int s : signals) ::sigaddset(&set, s);
  ::pthread_sigmask(SIG_BLOCK, &set, &old);
  return old;
}

std::vector<int> default_forwarded_signals() { return {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2}; }

}  // namespace reins
