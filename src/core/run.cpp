#include "reins/run.hpp"
#include "reins/units.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fmt/format.h>

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

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n + "=";
  return out;
}

// A fresh job for the command, or nullopt (with the reason in the report) when none can be made and no
// option needs one.
std::optional<Job> make_job(const RunJobOptions& o, RunJobReport& report, std::vector<std::string>& notes) {
  if (!o.enabled) return std::nullopt;
  JobOptions jo;
  jo.limits = o.limits;
  jo.layout = o.layout;
  std::optional<CgroupLayout> rooted;
  jo.accounting.memory = o.statistics;  // peak memory of the whole tree
  jo.accounting.pids = o.statistics;    // peak process count
  try {
    if (!jo.layout && !o.cgroup_root.empty()) jo.layout = &rooted.emplace(CgroupLayout::discover(o.cgroup_root));
    if (!o.existing_name.empty()) {
      Job job = Job::open(o.existing_name, jo.layout);
      report.name = job.name();
      report.kept = true;
      return job;
    }
    Job job = o.keep_name.empty() ? Job::create(jo) : Job::create(o.keep_name, jo);
    report.name = job.name();
    return job;
  } catch (const InvalidArgument&) {
    throw;
  } catch (const Error& e) {
    if (!o.existing_name.empty()) throw;
    std::vector<std::string> needs = o.limits.names();
    if (!o.keep_name.empty()) needs.push_back("keep-job " + o.keep_name);
    if (!needs.empty())
      throw Error(e.errno_value(), fmt::format("cannot create the cgroup job that {} need(s): {}",
                                               o.limits.names().empty() ? "--keep-job" : joined(o.limits.names()),
                                               e.what()));
    report.unavailable = e.what();
    notes.push_back(fmt::format("ran without a cgroup job ({}): the report covers only the command and the "
                                "children it waited for, and what it leaves behind keeps running", e.what()));
    return std::nullopt;
  }
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

class Supervisor {
 public:
  explicit Supervisor(const RunOptions& opts) : opts_(opts) {}

  RunReport run() {
    report_.argv = opts_.command.argv;
    start_ = Clock::now();
    job_ = make_job(opts_.job, report_.job, report_.notes);
    child_ = job_ ? job_->spawn(opts_.command) : Process::spawn(opts_.command);
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
    if (job_) finish_job();
    return std::move(report_);
  }

 private:
  // Kills what the command left behind (unless the job is kept), records the job's figures, removes it.
  void finish_job() {
    const bool keep = !opts_.job.keep_name.empty() || !opts_.job.existing_name.empty();
    if (!keep && job_->populated()) {
      report_.job.leftovers_killed = job_->pids().size();
      job_->terminate();
      report_.notes.push_back(
          fmt::format("killed {} process(es) the command left behind in its job", report_.job.leftovers_killed));
    }
    const bool sigkilled = report_.status.signaled() && report_.status.signal() == SIGKILL;
    if (opts_.job.statistics || sigkilled) fill_job_report(job_->stats(), report_.job);
    if (!report_.killed_by && sigkilled && report_.job.oom_kills > 0) report_.killed_by = "oom";
    if (keep) {
      job_->release();
      report_.job.kept = true;
    } else {
      job_->remove();  // empty by now: terminate() above, or nothing was left
    }
  }

  void on_job_events() {
    bool oom = false;
    for (const auto& e : job_->read_events()) oom = oom || e.kind == JobEventKind::oom_kill;
    if (!oom || oom_handled_) return;
    // The OOM killer ends one process; the job goes as a whole, as systemd's OOMPolicy=stop does. Whether
    // the command was the victim or ended with the job, finish_job() reports it as killed_by "oom".
    oom_handled_ = true;
    report_.notes.push_back("the OOM killer ended a process in the job: ended the whole job");
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
  Process child_;
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

sigset_t block_signals(const std::vector<int>& signals) {
  sigset_t set, old;
  ::sigemptyset(&set);
  for (int s : signals) ::sigaddset(&set, s);
  ::pthread_sigmask(SIG_BLOCK, &set, &old);
  return old;
}

std::vector<int> default_forwarded_signals() { return {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2}; }

}  // namespace reins
