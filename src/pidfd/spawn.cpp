#include "pidfd/spawn.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

extern char** environ;

namespace reins::pidfd {
namespace {

// The child's steps (SpawnStage) travel back as numbers with the errno.
using Stage = SpawnStage;

struct ChildFailure {
  Stage stage;
  int err;
  int detail;  // the rlimit resource for Stage::rlimit
};

constexpr char kAlive = 'R';

// Everything the child needs, prepared in the parent so the child allocates nothing.
struct ChildPlan {
  std::vector<std::string> candidates;  // paths to try execve on, in PATH order
  std::vector<char*> argv;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;
  std::vector<std::pair<int, ::rlimit64>> rlimits;
  std::vector<int> keep_fds;  // sorted: the descriptors above 2 that survive (Command::keep_fds, error_fd)
  const Command* cmd = nullptr;
  const Placement* placement = nullptr;
  sigset_t mask{};
  pid_t parent = 0;
  int error_fd = -1;
  bool handlers_cleared = false;  // by clone3 CLONE_CLEAR_SIGHAND, so the child need not do it
};

std::string path_of(const Command& cmd) {
  if (cmd.env) {
    for (const auto& e : *cmd.env)
      if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  } else if (const char* p = ::getenv("PATH")) {
    return p;
  }
  return "/usr/local/bin:/usr/bin:/bin";
}

std::vector<std::string> candidate_paths(const Command& cmd) {
  const std::string& prog = cmd.argv.front();
  if (prog.find('/') != std::string::npos) return {prog};
  std::vector<std::string> out;
  std::string path = path_of(cmd);
  size_t start = 0;
  for (;;) {
    size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    out.push_back((dir.empty() ? std::string(".") : dir) + "/" + prog);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

ChildPlan make_plan(const Command& cmd, const Placement& placement) {
  if (cmd.argv.empty() || cmd.argv.front().empty()) throw InvalidArgument("no command given to run");
  ChildPlan plan;
  plan.cmd = &cmd;
  plan.placement = &placement;
  plan.candidates = candidate_paths(cmd);
  for (const auto& a : cmd.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  if (cmd.env) {
    plan.env_storage = *cmd.env;
    for (auto& e : plan.env_storage) plan.envp.push_back(e.data());
    plan.envp.push_back(nullptr);
  }
  for (const auto& s : cmd.rlimits) {
    Rlimit r = resolve(s);  // throws before anything starts: nothing half-applied
    auto native = [](RlimitValue v) { return v.is_unlimited() ? RLIM_INFINITY : static_cast<rlim_t>(v.value()); };
    plan.rlimits.push_back({info(s.resource).native, ::rlimit64{native(r.soft), native(r.hard)}});
  }
  if (cmd.signal_mask)
    plan.mask = *cmd.signal_mask;
  else
    ::pthread_sigmask(SIG_SETMASK, nullptr, &plan.mask);
  for (int fd : cmd.keep_fds) {
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0)
      throw InvalidArgument(fmt::format("Command::keep_fds holds {}, which is not an open descriptor", fd));
    if (fd > 2) plan.keep_fds.push_back(fd);
  }
  std::sort(plan.keep_fds.begin(), plan.keep_fds.end());
  plan.parent = ::getpid();
  return plan;
}

// The error pipe survives until exec closes it (it is close-on-exec).
void keep_error_fd(ChildPlan& plan) {
  if (plan.error_fd < 0) return;
  plan.keep_fds.insert(std::upper_bound(plan.keep_fds.begin(), plan.keep_fds.end(), plan.error_fd), plan.error_fd);
}

[[noreturn]] void child_fail(const ChildPlan& plan, const ChildFailure& f) {
  [[maybe_unused]] auto n = ::write(plan.error_fd, &f, sizeof f);
  ::_exit(127);
}

void reset_signal_handlers() {
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction sa {};
    if (::sigaction(sig, nullptr, &sa) != 0) continue;
    if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
      sa.sa_handler = SIG_DFL;
      sa.sa_flags = 0;
      ::sigaction(sig, &sa, nullptr);
    }
  }
}

// dup2 onto 0, 1, 2; an fd that already is its target only loses close-on-exec.
bool redirect_stdio(const Command& cmd) {
  const int from[3] = {cmd.stdin_fd, cmd.stdout_fd, cmd.stderr_fd};
  for (int target = 0; target < 3; ++target) {
    if (from[target] < 0) continue;
    int rc = from[target] == target ? ::fcntl(target, F_SETFD, 0) : ::dup2(from[target], target);
    if (rc < 0) return false;
  }
  return true;
}

// Kernels before 5.9 lack close_range: every other descriptor is marked close-on-exec instead, found by
// reading /proc/self/fd into a buffer on the stack (nothing is allocated between clone and exec).
bool cloexec_others(const std::vector<int>& keep) {
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  alignas(8) char buf[4096];
  for (;;) {
    ssize_t n = ::getdents64(dir, buf, sizeof buf);
    if (n <= 0) {
      ::close(dir);
      return n == 0;
    }
    for (ssize_t off = 0; off < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(buf + off);
      off += d->d_reclen;
      int fd = 0;
      for (const char* c = d->d_name; *c >= '0' && *c <= '9'; ++c) fd = fd * 10 + (*c - '0');
      if (fd > 2 && fd != dir && !std::binary_search(keep.begin(), keep.end(), fd)) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
}

// Every descriptor above 2 but those kept is closed; the kept ones lose close-on-exec (but the error pipe,
// which exec must close).
bool close_other_fds(const ChildPlan& plan) {
  unsigned from = 3;
  bool ok = true;
  for (int k : plan.keep_fds) {
    auto fd = static_cast<unsigned>(k);
    if (fd > from) ok = ok && ::syscall(SYS_close_range, from, fd - 1, 0) == 0;
    from = std::max(from, fd + 1);
    if (k != plan.error_fd && ::fcntl(k, F_SETFD, 0) != 0) return false;
  }
  ok = ok && ::syscall(SYS_close_range, from, ~0U, 0) == 0;
  return ok || (errno == ENOSYS && cloexec_others(plan.keep_fds));
}

// Command::user_id/group_id: no supplementary groups, then the group, then the user (after which nothing could
// be changed back). The kernel clears the parent-death signal on a change of credentials: it is set again.
bool switch_user(const ChildPlan& plan) {
  const Command& cmd = *plan.cmd;
  if (!cmd.user_id && !cmd.group_id) return true;
  const gid_t gid = cmd.group_id ? *cmd.group_id : ::getegid();
  const uid_t uid = cmd.user_id ? *cmd.user_id : ::geteuid();
  if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0) return false;
  if (int sig = cmd.parent_death_signal) {
    if (::prctl(PR_SET_PDEATHSIG, sig) != 0) return false;
    if (::getppid() != plan.parent) ::_exit(127);
  }
  return true;
}

// Returns only if every candidate failed: with the failure to report.
ChildFailure exec_candidates(const ChildPlan& plan) {
  char** envp = plan.cmd->env ? const_cast<char**>(plan.envp.data()) : environ;
  int first_err = ENOENT;
  for (const auto& c : plan.candidates) {
    ::execve(c.c_str(), plan.argv.data(), envp);
    // Like execvp: keep looking past "not here", remember "here but not allowed".
    if (errno == EACCES)
      first_err = EACCES;
    else if (errno != ENOENT && errno != ENOTDIR)
      return {Stage::exec, errno, 0};
  }
  return {Stage::exec, first_err, 0};
}

// The steps from the process's own settings to execve, the same for a child and for exec_in_place. Only
// system calls, no allocation. Returns only on failure.
ChildFailure set_up_and_exec(const ChildPlan& plan) {
  const Command& cmd = *plan.cmd;
  if (cmd.new_session && ::setsid() < 0) return {Stage::session, errno, 0};
  if (cmd.new_process_group && !cmd.new_session && ::setpgid(0, 0) != 0) return {Stage::pgroup, errno, 0};
  for (int fd : plan.placement->join_procs_fds)
    if (::write(fd, "0", 1) != 1) return {Stage::join, errno, 0};
  for (const auto& [resource, value] : plan.rlimits)
    if (::prlimit64(0, static_cast<__rlimit_resource>(resource), &value, nullptr) != 0)
      return {Stage::rlimit, errno, resource};
  if (!switch_user(plan)) return {Stage::user, errno, 0};
  if (!cmd.cwd.empty() && ::chdir(cmd.cwd.c_str()) != 0) return {Stage::chdir, errno, 0};
  if (!redirect_stdio(cmd)) return {Stage::stdio, errno, 0};
  if (!cmd.inherit_all_fds && !close_other_fds(plan)) return {Stage::fds, errno, 0};
  // No SIGTTOU stops us here although we are not in the foreground yet: every signal is blocked.
  if (cmd.foreground_terminal && ::tcsetpgrp(STDIN_FILENO, ::getpgrp()) != 0 && errno != ENOTTY && errno != ENXIO)
    return {Stage::terminal, errno, 0};
  if (!plan.handlers_cleared) reset_signal_handlers();
  for (int sig : cmd.default_signals) ::signal(sig, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &plan.mask, nullptr);
  return exec_candidates(plan);
}

// Runs in the child between clone3 and execve. All signals are blocked on entry.
[[noreturn]] void child_main(const ChildPlan& plan) {
  [[maybe_unused]] auto n = ::write(plan.error_fd, &kAlive, 1);
  if (int sig = plan.cmd->parent_death_signal) {
    if (::prctl(PR_SET_PDEATHSIG, sig) != 0) child_fail(plan, {Stage::pdeathsig, errno, 0});
    if (::getppid() != plan.parent) ::_exit(127);  // the parent died before we could ask to follow it
  }
  child_fail(plan, set_up_and_exec(plan));
}

std::string stage_name(const ChildFailure& f) {
  switch (f.stage) {
    case Stage::pdeathsig:
      return "set parent-death signal";
    case Stage::session:
      return "setsid";
    case Stage::pgroup:
      return "setpgid";
    case Stage::join:
      return "join cgroup";
    case Stage::rlimit:
      for (const auto& r : all_resources())
        if (r.native == f.detail) return "setrlimit " + std::string(r.name);
      return "setrlimit";
    case Stage::user:
      return "set user and group";
    case Stage::chdir:
      return "chdir";
    case Stage::signals:
      return "reset signals";
    case Stage::stdio:
      return "redirect stdin/stdout/stderr";
    case Stage::fds:
      return "close inherited descriptors";
    case Stage::terminal:
      return "take the terminal's foreground (tcsetpgrp)";
    case Stage::exec:
      return "exec";
    case Stage::start:
      return "start";
  }
  return "spawn";
}

// The way children are created, decided once per process by the first spawn that needs to (a seccomp profile
// or the kernel answers the same every time):
//   clone3(CLONE_PIDFD [| CLONE_INTO_CGROUP])  the pidfd at birth, the child placed in its cgroup at birth;
//   clone(CLONE_PIDFD)       clone3 refused (ENOSYS, EPERM: Docker's default seccomp profile, kernels < 5.3):
//                            the pidfd at birth, the child joins its cgroups before exec;
//   clone + pidfd_open       no CLONE_PIDFD either (kernels < 5.2): the child is ours and unreaped, so its pid
//                            cannot be reused before we open it, and the pidfd names the same process.
// No pidfd_open at all (kernels < 5.3 without CLONE_PIDFD) is an error that says so.
std::atomic<SpawnPath> g_path{SpawnPath::clone3};

bool refused(int err) noexcept { return err == ENOSYS || err == EPERM; }

// CLONE_CLEAR_SIGHAND (Linux 5.5) resets our signal handlers in the child (ignored signals stay ignored), which
// saves the child ~64 sigaction calls before exec; older kernels reject the flag and the child does it.
pid_t clone3_child(const Placement& placement, int& pidfd, bool& handlers_cleared) {
  ::clone_args args{};
  args.flags = CLONE_PIDFD | CLONE_CLEAR_SIGHAND | (placement.cgroup2_dirfd >= 0 ? CLONE_INTO_CGROUP : 0);
  args.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  if (placement.cgroup2_dirfd >= 0) args.cgroup = static_cast<__u64>(placement.cgroup2_dirfd);
  handlers_cleared = true;
  auto pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
  if (pid < 0 && errno == EINVAL) {
    args.flags &= ~static_cast<std::uint64_t>(CLONE_CLEAR_SIGHAND);
    handlers_cleared = false;
    pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
  }
  return pid;
}

// clone(2) as fork(2) does it (no new stack: the child continues on a copy of ours), with the pidfd stored
// where the x86-64 and arm64 ABIs put the parent's TID pointer.
pid_t clone_child(unsigned long flags, int* pidfd) {
  return static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, pidfd, nullptr, nullptr));
}

// Creates the child by the path decided so far, moving to the next one when the kernel or a seccomp filter
// refuses a path. Returns the pid (0 in the child) or -1 with errno; `pidfd` is set in the parent.
pid_t create_child(const Placement& placement, int& pidfd, bool& handlers_cleared) {
  if (g_path.load(std::memory_order_relaxed) == SpawnPath::clone3) {
    pid_t pid = clone3_child(placement, pidfd, handlers_cleared);
    // Refused with a placement, it may be the placement; the caller retries without one, which tells.
    if (pid >= 0 || !refused(errno) || placement.cgroup2_dirfd >= 0) return pid;
    g_path.store(SpawnPath::clone_pidfd, std::memory_order_relaxed);
  } else if (placement.cgroup2_dirfd >= 0) {
    errno = ENOSYS;  // no way to be born in a cgroup without clone3: the caller joins before exec
    return -1;
  }
  handlers_cleared = false;
  if (g_path.load(std::memory_order_relaxed) == SpawnPath::clone_pidfd) {
    pid_t pid = clone_child(CLONE_PIDFD, &pidfd);
    if (pid >= 0 || errno != EINVAL) return pid;
    g_path.store(SpawnPath::clone_then_pidfd_open, std::memory_order_relaxed);
  }
  pid_t pid = clone_child(0, nullptr);
  if (pid <= 0) return pid;
  pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int err = errno;
    // By number, the one time reins does: it is our unreaped child, so the pid cannot name anyone else.
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw Error(err,
                "reins needs pidfds (Linux 5.3 or later, with clone3, clone(CLONE_PIDFD) or pidfd_open "
                "allowed by any seccomp profile): pidfd_open failed");
  }
  return pid;
}

// Reads the child's report: "alive" then EOF on exec, "alive" then a failure record, or nothing at all if it
// was killed before its first step. It waits for EOF first (poll for POLLHUP alone: the "alive" byte does not
// wake it), so the parent is woken once per spawn, not also when the child starts.
ssize_t read_report(int fd, char* buf, size_t size) {
  pollfd p{fd, 0, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

SpawnOutcome spawn(const Command& cmd, const Placement& placement) {
  ChildPlan plan = make_plan(cmd, placement);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) throw_errno("create", "spawn error pipe");
  UniqueFd read_end(pipefd[0]), write_end(pipefd[1]);
  plan.error_fd = write_end.get();
  keep_error_fd(plan);

  // Block every signal so no handler of ours runs in the child before it resets them.
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1;
  pid_t pid = -1;
  int clone_err = 0;
  try {
    pid = create_child(placement, pidfd, plan.handlers_cleared);
    if (pid == 0) child_main(plan);
    clone_err = errno;
  } catch (...) {
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  // A refusal of the placement alone (the target cgroup's state, an old kernel) is the caller's to work
  // around; a shortage (EAGAIN: pids limit, ENOMEM) would refuse any other way too.
  if (pid < 0 && placement.cgroup2_dirfd >= 0 && clone_err != EAGAIN && clone_err != ENOMEM)
    return {Process(), false, clone_err};
  if (pid < 0) throw Error(clone_err, "create a process for", "'" + cmd.argv.front() + "'");
  write_end.reset();

  Process proc = Process::adopt_child(pid, UniqueFd(pidfd));
  char buf[1 + sizeof(ChildFailure)];
  ssize_t got = read_report(read_end.get(), buf, sizeof buf);
  if (got == 0) {
    auto result = proc.wait();
    if (result.status.signaled() && result.status.signal() == SIGKILL) return {Process(), true};
    throw SpawnError(ECHILD, Stage::start, "start (the child died before its first step)", cmd.argv.front());
  }
  if (got == static_cast<ssize_t>(sizeof buf)) {
    ChildFailure f;
    std::memcpy(&f, buf + 1, sizeof f);
    proc.wait();
    throw SpawnError(f.err, f.stage, stage_name(f), cmd.argv.front());
  }
  return {std::move(proc), false};
}

SpawnPath spawn_path() noexcept { return g_path.load(std::memory_order_relaxed); }

std::string_view spawn_path_name(SpawnPath path) noexcept {
  switch (path) {
    case SpawnPath::clone3:
      return "clone3";
    case SpawnPath::clone_pidfd:
      return "clone(CLONE_PIDFD)";
    case SpawnPath::clone_then_pidfd_open:
      return "clone + pidfd_open";
  }
  return "?";
}

void exec_in_place(const Command& cmd) {
  const Placement nowhere;
  Command own = cmd;
  own.parent_death_signal = 0;  // ours is our parent's business (and switch_user must not set one)
  ChildPlan plan = make_plan(own, nowhere);
  std::fflush(nullptr);  // what our stdio holds would be lost with this process image
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  ChildFailure f = set_up_and_exec(plan);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  throw SpawnError(f.err, f.stage, stage_name(f), cmd.argv.front());
}

}  // namespace reins::pidfd
