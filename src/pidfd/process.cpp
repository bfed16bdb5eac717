// Process: a pid held by its pidfd. Signals go through pidfd_send_signal, waits through waitid(P_PIDFD), so
// no code path here ever names a bare pid that could have been reused.
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pidfd/spawn.hpp"
#include "reins/process.hpp"
#include "sys/wait.hpp"

namespace reins {
namespace {

int waitid_rusage(int pidfd, siginfo_t* info, int options, ::rusage* ru) {
  return sys::waitid_rusage(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), info, options, ru);
}

// pidfd_open(2): the fd, or -errno.
int open_pidfd(pid_t pid) noexcept {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  return fd >= 0 ? fd : -errno;
}

}  // namespace

SpawnError::SpawnError(int err, SpawnStage stage, std::string step, const std::string& program)
    : Error(err,
            stage == SpawnStage::exec ? (err == ENOENT ? "command not found:" : "cannot execute")
                                      : "cannot start '" + program + "':",
            stage == SpawnStage::exec ? "'" + program + "'" : step),
      stage_(stage),
      step_(std::move(step)) {}

Process Process::spawn(const Command& cmd) {
  // Without a cgroup placement nothing can kill the child at birth, so killed_at_birth cannot happen here;
  // if something else SIGKILLed it that early we still report it rather than return an empty Process.
  auto outcome = pidfd::spawn(cmd, {});
  if (outcome.killed_at_birth)
    throw SpawnError(ECHILD, SpawnStage::start, "start (killed by SIGKILL at birth)", cmd.argv.front());
  return std::move(outcome.process);
}

void Process::exec_in_place(const Command& cmd) { pidfd::exec_in_place(cmd); }

Process Process::open(pid_t pid) {
  int fd = open_pidfd(pid);
  if (fd < 0) throw Error(-fd, "open", fmt::format("pid {}", pid));
  return Process(pid, UniqueFd(fd), false);
}

std::optional<Process> Process::try_open(pid_t pid) {
  int fd = open_pidfd(pid);
  if (fd >= 0) return Process(pid, UniqueFd(fd), false);
  if (-fd == ESRCH || (-fd == EINVAL && pid > 0)) return std::nullopt;
  throw Error(-fd, "open", fmt::format("pid {}", pid));
}

Process Process::adopt_child(pid_t pid, UniqueFd pidfd) noexcept { return Process(pid, std::move(pidfd), true); }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pidfd_ = std::move(other.pidfd_);
    pid_ = other.pid_;
    child_ = other.child_;
    reaped_ = other.reaped_;
  }
  return *this;
}

Process::~Process() { kill_and_reap(); }

void Process::kill_and_reap() noexcept {
  if (!pidfd_ || !child_ || reaped_) return;
  signal_errno(SIGKILL);  // our child: EPERM cannot happen, ESRCH means it is a zombie already
  siginfo_t info{};
  waitid_rusage(pidfd_.get(), &info, WEXITED, nullptr);
  reaped_ = true;
}

// The one pidfd_send_signal in reins: every signal to a process goes through here.
int Process::signal_errno(int sig) const noexcept {
  return ::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0) == 0 ? 0 : errno;
}

bool Process::signal(int sig) const {
  int err = signal_errno(sig);
  if (err == 0) return true;
  if (err == ESRCH) return false;
  throw Error(err, fmt::format("send SIG{} to", signal_name(sig)), fmt::format("pid {}", pid_));
}

bool Process::unreaped() const noexcept {
  // Signal 0 checks existence without sending anything; it reaches zombies, and EPERM means the process
  // exists but is not ours to signal.
  int err = signal_errno(0);
  return err == 0 || err == EPERM;
}

bool Process::has_exited() const {
  pollfd p{pidfd_.get(), POLLIN, 0};
  int rc = ::poll(&p, 1, 0);
  if (rc < 0) throw_errno("poll pidfd of", fmt::format("pid {}", pid_));
  return rc > 0;
}

std::optional<ProcessResult> Process::try_wait() {
  if (reaped_) throw Error(ECHILD, "wait for", fmt::format("pid {} (already reaped)", pid_));
  siginfo_t info{};
  ::rusage ru{};
  if (waitid_rusage(pidfd_.get(), &info, WEXITED | WNOHANG, &ru) != 0)
    throw_errno("wait for", fmt::format("pid {}", pid_));
  if (info.si_pid == 0) return std::nullopt;
  reaped_ = true;
  return ProcessResult{sys::status_from(info), Rusage::from_native(ru)};
}

ProcessResult Process::wait() {
  if (reaped_) throw Error(ECHILD, "wait for", fmt::format("pid {} (already reaped)", pid_));
  siginfo_t info{};
  ::rusage ru{};
  if (waitid_rusage(pidfd_.get(), &info, WEXITED, &ru) != 0) throw_errno("wait for", fmt::format("pid {}", pid_));
  reaped_ = true;
  return ProcessResult{sys::status_from(info), Rusage::from_native(ru)};
}

std::optional<ProcessResult> Process::wait_for(std::chrono::nanoseconds timeout) {
  pollfd p{pidfd_.get(), POLLIN, 0};
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
  int rc;
  do rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(ms, INT32_MAX)));
  while (rc < 0 && errno == EINTR);
  if (rc < 0) throw_errno("poll pidfd of", fmt::format("pid {}", pid_));
  if (rc == 0) return std::nullopt;
  return wait();
}

void Process::wait_exit() const {
  pollfd p{pidfd_.get(), POLLIN, 0};
  while (::poll(&p, 1, -1) < 0)
    if (errno != EINTR) throw_errno("poll pidfd of", fmt::format("pid {}", pid_));
}

void Process::detach() noexcept {
  pidfd_.reset();
  child_ = false;
}

}  // namespace reins
