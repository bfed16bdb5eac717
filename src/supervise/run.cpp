#include "reins/run.hpp"
#include "reins/units.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "supervise/supervision.hpp"
#include "sys/event_loop.hpp"
#include "sys/signal_fd.hpp"

namespace reins {
namespace {

// A terminal's INT/QUIT/TSTP reach the whole foreground process group. If the command shares our group it
// already has the signal, and forwarding it would deliver it twice.
bool already_delivered_by_tty(const signalfd_siginfo& si, const Process& child) {
  bool tty_signal = si.ssi_signo == SIGINT || si.ssi_signo == SIGQUIT || si.ssi_signo == SIGTSTP;
  return tty_signal && si.ssi_code == SI_KERNEL && ::getpgid(child.pid()) == ::getpgrp();
}

// One command, its signals forwarded from a signalfd, until it exits; the rest is the shared Supervision.
class Supervisor {
 public:
  explicit Supervisor(const RunOptions& opts) : opts_(opts), supervision_(opts, loop_, report_) {}

  RunReport run() {
    supervision_.prepare();
    Process& child = supervision_.start(
        opts_.command, {.signal = [this](int sig) { command().signal(sig); }, .kill = [this] { kill_everything(); }});
    sys::SignalFd signals;
    if (!opts_.forward_signals.empty()) {
      signals = sys::SignalFd(sys::signal_set(opts_.forward_signals));
      loop_.watch(signals.fd(), POLLIN, [&](short) { forward(signals); });
    }
    loop_.watch(child.pidfd(), POLLIN, [&](short) { loop_.stop(); });
    loop_.run();
    supervision_.command_exited(child.wait());
    supervision_.finish_job();
    return std::move(report_);
  }

 private:
  Process& command() noexcept { return supervision_.command(); }

  void kill_everything() {
    if (Job* job = supervision_.job())
      job->terminate();
    else
      command().signal(SIGKILL);
  }

  void forward(sys::SignalFd& signals) {
    while (auto si = signals.read()) {
      int sig = static_cast<int>(si->ssi_signo);
      if (already_delivered_by_tty(*si, command())) continue;
      if (command().signal(sig)) report_.record_forwarded(sig);
    }
  }

  const RunOptions& opts_;
  RunReport report_;
  sys::EventLoop loop_;  // before supervision_, which schedules on it
  supervise::Supervision supervision_;
};

}  // namespace

std::string_view kill_reason_name(KillReason reason) noexcept {
  switch (reason) {
    case KillReason::timeout:
      return "timeout";
    case KillReason::oom:
      return "oom";
    case KillReason::guard:
      return "guard";
    case KillReason::cpu_time:
      return "cpu-time";
    case KillReason::rlimit_cpu:
      return "rlimit-cpu";
    case KillReason::rlimit_fsize:
      return "rlimit-fsize";
  }
  return "?";
}

std::string_view verdict_name(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::ok:
      return "ok";
    case Verdict::exited_nonzero:
      return "exited-nonzero";
    case Verdict::signal:
      return "signal";
    case Verdict::timeout:
      return "timeout";
    case Verdict::memory:
      return "memory";
    case Verdict::cpu_time:
      return "cpu-time";
    case Verdict::pids:
      return "pids";
    case Verdict::file_size:
      return "file-size";
  }
  return "?";
}

int RunReport::exit_code() const noexcept {
  if (killed_by == KillReason::timeout && !preserve_status) return timeout_sigkilled ? 128 + SIGKILL : 124;
  return status.shell_code();
}

Verdict RunReport::verdict() const noexcept {
  if (killed_by) switch (*killed_by) {
      case KillReason::timeout:
        return Verdict::timeout;
      case KillReason::oom:
      case KillReason::guard:
        return Verdict::memory;
      case KillReason::cpu_time:
      case KillReason::rlimit_cpu:
        return Verdict::cpu_time;
      case KillReason::rlimit_fsize:
        return Verdict::file_size;
    }
  if (status.exited() && status.exit_code() == 0) return Verdict::ok;
  // A fork the pids limit refused is the likeliest cause of the failure that followed.
  if (job.pids_limit_hits > 0) return Verdict::pids;
  return status.exited() ? Verdict::exited_nonzero : Verdict::signal;
}

void check_run_options(const RunOptions& o) {
  if (o.job.enabled) return;
  std::vector<std::string> needs;
  for (auto& p : property_names(o.job.limits)) needs.push_back(p + "=");
  if (o.cpu_time) needs.push_back("--cpu-time");
  if (!o.job.keep_name.empty()) needs.push_back("--keep-job");
  if (!o.job.existing_name.empty()) needs.push_back("an existing job");
  if (!needs.empty())
    throw InvalidArgument(
        fmt::format("{} need(s) a cgroup job, and the job is disabled (--no-job): drop one or the "
                    "other (an rlimit, --rlimit as=1G, limits a process without a job)",
                    fmt::join(needs, ", ")));
}

RunReport run(const RunOptions& options) {
  check_run_options(options);
  return Supervisor(options).run();
}

bool needs_supervisor(const RunOptions& o) noexcept {
  return o.job.enabled || o.timeout || o.guard || !o.trace_path.empty();
}

sigset_t block_signals(const std::vector<int>& signals) {
  sigset_t set = sys::signal_set(signals), old;
  ::pthread_sigmask(SIG_BLOCK, &set, &old);
  return old;
}

std::vector<int> default_forwarded_signals() { return {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2}; }

}  // namespace reins
