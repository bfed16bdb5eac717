// reins init: one main child, every signal forwarded to it, every orphan reaped, and nothing left behind.
// One thread and one poll loop (signalfd, the reaper's fd, the main child's pidfd, timerfds), no periodic
// wake-up. docs/design/init.md has the signal table and the order of the ending.
#include "reins/init.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "procfs/held_tree.hpp"
#include "reins/units.hpp"
#include "supervise/supervision.hpp"
#include "sys/event_loop.hpp"
#include "sys/page_out.hpp"
#include "sys/signal_fd.hpp"
#include "sys/wait.hpp"

namespace reins {
namespace {

class Supervisor {
 public:
  explicit Supervisor(const InitOptions& options) : opts_(options), supervision_(options.run, loop_, report_.run) {}
  InitReport run();

 private:
  enum class Phase { running, waiting_all, terminating, killing };

  Process& spawn_main(const sigset_t& original_mask);
  Process& main() noexcept { return supervision_.command(); }
  void on_signals();
  void on_sigchld();
  void on_main_exit();
  void end_remaining();
  bool send_to_main(int sig) noexcept;
  std::size_t send_to_remaining(int sig);
  void follow_terminal_stop();
  void finish_if_done();
  int rewritten(int sig) const noexcept;
  void note(std::string text) { report_.run.notes.push_back(std::move(text)); }

  const InitOptions& opts_;
  InitReport report_;
  sys::EventLoop loop_;
  std::optional<Reaper> reaper_;
  sys::SignalFd signals_;
  // The main child, its job, trace, guard and timeout. A main child still running at unwinding is killed,
  // then its job.
  supervise::Supervision supervision_;
  Reaper::Claim main_claim_;
  Phase phase_ = Phase::running;
  bool foreground_ = false;  // we gave the terminal's foreground to the main child's group
  std::optional<sys::EventLoop::TimerId> page_out_timer_;  // ends with the main child
};

InitReport Supervisor::run() {
  for (int code : opts_.success_exits) parse_exit_code(std::to_string(code));  // throws if out of range
  if (!opts_.run.forward_signals.empty())
    throw InvalidArgument(
        "init forwards every signal to the command: RunOptions::forward_signals must stay empty "
        "(InitOptions::rewrites changes or drops one)");
  // Blocked for good, not restored on return: a signal that comes after the end must not kill the caller
  // before it has reported. The command gets the mask we started with.
  sigset_t all = sys::all_signals(), original;
  ::pthread_sigmask(SIG_SETMASK, &all, &original);
  ReaperOptions reaper_options;
  reaper_options.subreaper = opts_.subreaper;
  reaper_options.run_when_not_pid1 = true;  // then only our own children: still ours to reap
  reaper_options.on_reaped = [this](const ReapedChild& child) {
    ++report_.reaped;
    if (opts_.on_reaped) opts_.on_reaped(child);
  };
  reaper_.emplace(std::move(reaper_options));
  sigset_t forwarded = all;
  ::sigdelset(&forwarded, SIGCHLD);  // the reaper's
  signals_ = sys::SignalFd(forwarded);

  supervision_.prepare();
  Process& child = spawn_main(original);
  // Claimed before the reaper's first pass, which runs in this thread, in the loop below.
  main_claim_ = reaper_->claim(child.pid());
  // The pidfd first: when both are ready the main child is reaped before the reaper's pass sees its zombie.
  loop_.watch(child.pidfd(), POLLIN, [this](short) { on_main_exit(); });
  loop_.watch(reaper_->fd(), POLLIN, [this](short) { on_sigchld(); });
  loop_.watch(signals_.fd(), POLLIN, [this](short) { on_signals(); });
  if (opts_.page_out_startup_code)
    page_out_timer_ = loop_.after(*opts_.page_out_startup_code, [] { sys::page_out_own_code(); });
  loop_.run();
  supervision_.finish_job();
  // What remained after the command exited and init ended (TERM, then KILL after the grace) counts as left
  // behind and killed, as in `reins run`'s report, besides what the job's own end found.
  report_.run.job.leftovers_killed += report_.remaining_terminated;

  if (report_.reaped > 0) note(fmt::format("reaped {} other processes (orphans and what remained)", report_.reaped));
  report_.exit_code = report_.run.exit_code();
  const auto& ok = opts_.success_exits;
  if (std::find(ok.begin(), ok.end(), report_.exit_code) != ok.end()) report_.exit_code = 0;
  return std::move(report_);
}

// The one place the main child is started: inside the job when there is one. A timeout sends SIGTERM as
// any forwarded signal goes, then SIGKILL to the main child; its exit ends the rest.
Process& Supervisor::spawn_main(const sigset_t& original_mask) {
  Command cmd = opts_.run.command;
  cmd.new_process_group = true;
  // Only when we are in the foreground: taking it from the background would steal the terminal from a shell.
  foreground_ = ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
  cmd.foreground_terminal = foreground_;
  if (!cmd.signal_mask) cmd.signal_mask = original_mask;
  return supervision_.start(
      cmd, {.signal = [this](int sig) { send_to_main(sig); }, .kill = [this] { send_to_main(SIGKILL); }});
}

int Supervisor::rewritten(int sig) const noexcept {
  for (const auto& r : opts_.rewrites)
    if (r.from == sig) return r.to;
  return sig;
}

void Supervisor::on_signals() {
  while (auto si = signals_.read()) {
    // A signal this process caused itself (SIGPIPE after writing to a closed pipe) is no news for the child.
    if (si->ssi_pid == static_cast<std::uint32_t>(::getpid())) continue;
    int sig = rewritten(static_cast<int>(si->ssi_signo));
    if (sig == 0) continue;
    bool sent = phase_ == Phase::running ? send_to_main(sig) : send_to_remaining(sig) > 0;
    if (sent) report_.run.record_forwarded(sig);
  }
}

bool Supervisor::send_to_main(int sig) noexcept {
  // The group's id is the main child's pid, which cannot be reused before we reap it: signals go to the group
  // only while the main child is unreaped (phase running), so they cannot reach a stranger.
  if (opts_.group && ::kill(-main().pid(), sig) == 0) return true;
  return main().signal_errno(sig) == 0;  // EPERM: a set-user-ID command we may not signal
}

std::size_t Supervisor::send_to_remaining(int sig) {
  // With a job, what remains is the job's cgroup, which also finds processes that left the process group or
  // session. Without one, every descendant (orphans are ours as PID 1 or subreaper).
  if (Job* job = supervision_.job()) return job->signal(sig);
  return procfs::signal_each(procfs::open_descendants(), sig);
}

void Supervisor::on_sigchld() {
  reaper_->reap();
  if (phase_ == Phase::running) {
    if (foreground_) follow_terminal_stop();
    return;
  }
  // Anything forked while the last pass ran was missed by it; it is ours now that its parent has died.
  if (phase_ == Phase::killing) send_to_remaining(SIGKILL);
  finish_if_done();
}

void Supervisor::finish_if_done() {
  if (!Reaper::has_children()) loop_.stop();
}

void Supervisor::on_main_exit() {
  loop_.unwatch(main().pidfd());
  ProcessResult result = main().wait();
  main_claim_.release();
  if (page_out_timer_) loop_.cancel(*page_out_timer_);
  supervision_.command_exited(result);
  reaper_->reap();
  if (!Reaper::has_children()) return loop_.stop();
  if (opts_.wait_all) {
    phase_ = Phase::waiting_all;
    return;
  }
  end_remaining();
}

void Supervisor::end_remaining() {
  phase_ = Phase::terminating;
  report_.remaining_terminated = send_to_remaining(SIGTERM);
  if (report_.remaining_terminated > 0)
    note(fmt::format("{} processes remained after the command exited: sent SIGTERM", report_.remaining_terminated));
  loop_.after(opts_.grace, [this] {
    phase_ = Phase::killing;
    report_.remaining_killed = send_to_remaining(SIGKILL);
    if (report_.remaining_killed > 0)
      note(fmt::format("{} still running {} after SIGTERM: sent SIGKILL", report_.remaining_killed,
                       format_duration(opts_.grace)));
    finish_if_done();
  });
}

// The terminal stopped the main child (Ctrl-Z): stop ourselves too, so that the shell that started us sees
// its job stopped and takes the terminal back. When the shell continues us (fg), give the terminal back to
// the child's group and continue it. Not as PID 1 or when our group is orphaned: nobody would continue us.
void Supervisor::follow_terminal_stop() {
  siginfo_t info{};
  if (sys::waitid_rusage(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(main().pidfd()), &info, WSTOPPED | WNOHANG,
                         nullptr) != 0 ||
      info.si_pid == 0)
    return;
  int sig = info.si_status;
  if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) return;
  pid_t parent = ::getppid();
  bool shell_job = ::getpid() != 1 && ::getsid(parent) == ::getsid(0) && ::getpgid(parent) != ::getpgrp();
  if (!shell_job) return;
  ::kill(::getpid(), SIGSTOP);
  // Continued: we run in the foreground again (the shell gave it to our group).
  ::tcsetpgrp(STDIN_FILENO, main().pid());
  ::kill(-main().pid(), SIGCONT);
}

}  // namespace

InitReport init(const InitOptions& options) {
  check_run_options(options.run);
  return Supervisor(options).run();
}

SignalRewrite parse_signal_rewrite(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos)
    throw InvalidArgument(
        fmt::format("invalid signal rewrite '{}' (valid: FROM:TO with signal names or numbers, "
                    "e.g. TERM:QUIT or 15:3; TO 0 drops the signal)",
                    text));
  std::string_view to = text.substr(colon + 1);
  return {parse_signal(text.substr(0, colon)), to == "0" ? 0 : parse_signal(to)};
}

int parse_exit_code(std::string_view text) {
  int value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > 255)
    throw InvalidArgument(fmt::format("invalid exit code '{}' (valid: a number from 0 to 255)", text));
  return value;
}

}  // namespace reins
