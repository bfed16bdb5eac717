// A process held by its pidfd, so that signalling or waiting can never hit a different process that reused
// the pid. `Process::spawn` starts a child with a pidfd taken at birth (clone3 CLONE_PIDFD); exec failures
// come back to the parent before spawn returns.
//
// Destruction: a child that we spawned and that is still running is killed (SIGKILL) and reaped; call
// detach() to leave it running instead. A Process opened from a pid (not our child) is just closed.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reins/error.hpp"
#include "reins/exit_status.hpp"
#include "reins/fd.hpp"
#include "reins/rlimit.hpp"
#include "reins/rusage.hpp"
#include "reins/signals.hpp"

namespace reins {

// What to run and how to set up the child before exec.
struct Command {
  std::vector<std::string> argv;                // argv[0] is looked up in PATH unless it has a '/'
  std::optional<std::vector<std::string>> env;  // "NAME=value" entries; nullopt inherits ours
  std::string cwd;                              // empty keeps ours
  std::vector<RlimitSetting> rlimits;           // resolved and checked before the child is created
  int parent_death_signal = 0;                  // PR_SET_PDEATHSIG; 0 = none
  bool new_process_group = false;               // setpgid(0, 0)
  bool new_session = false;                     // setsid()
  // Make the child's process group the foreground group of the terminal on its stdin (tcsetpgrp), as a shell
  // does for a job; use with new_process_group. Skipped quietly when stdin is not our controlling terminal.
  bool foreground_terminal = false;
  std::optional<sigset_t> signal_mask;  // nullopt: the calling thread's mask at spawn time
  std::vector<int> default_signals;     // reset to SIG_DFL in the child (ignored ones stay ignored)
  // fds the child gets as its stdin, stdout and stderr; -1 keeps ours. They stay owned by the caller.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Descriptors above 2 the child gets: only those in keep_fds (same numbers, close-on-exec cleared), as
  // Python's subprocess and Go's os/exec do; every other one is closed before exec, so a pipe of ours left
  // without close-on-exec cannot keep the child's reader waiting. inherit_all_fds passes every descriptor
  // not marked close-on-exec instead, as a shell (and timeout(1), prlimit(1)) does: what `reins run` needs
  // so that make's jobserver pipes reach the command.
  std::vector<int> keep_fds;
  bool inherit_all_fds = false;
  // Run as this user and group (both are set, and the supplementary groups cleared, when either is given; the
  // other keeps ours). Needs CAP_SETUID/CAP_SETGID. Set after the rlimits and before chdir, so the directory
  // is entered with the new user's rights.
  std::optional<std::uint32_t> user_id, group_id;
};

// The steps of starting a command, in the order the child takes them; `start` is the child's creation.
enum class SpawnStage {
  start,
  pdeathsig,
  session,
  pgroup,
  join,
  rlimit,
  user,
  chdir,
  signals,
  stdio,
  fds,
  terminal,
  exec
};

// Why a spawn failed: stage() says which step, step() how messages name it ("exec", "chdir", "setrlimit
// nofile", "join cgroup"), errno_value() says why. ENOENT at exec means not found (exit 127 in a shell),
// anything else at exec means found but not executable (126).
class SpawnError : public Error {
 public:
  SpawnError(int err, SpawnStage stage, std::string step, const std::string& program);
  SpawnStage stage() const noexcept { return stage_; }
  const std::string& step() const noexcept { return step_; }
  bool not_found() const noexcept { return stage_ == SpawnStage::exec && errno_value() == ENOENT; }
  // 127 not found, 126 found but not executable, 125 a setup step before exec failed.
  int shell_code() const noexcept { return not_found() ? 127 : stage_ == SpawnStage::exec ? 126 : 125; }

 private:
  SpawnStage stage_;
  std::string step_;
};

class Process {
 public:
  // Starts `cmd`. Throws SpawnError when the child could not be set up or exec'd, InvalidArgument for a bad
  // rlimit request (nothing is started then), reins::Error when clone3 itself fails.
  static Process spawn(const Command& cmd);
  // Replaces this process with `cmd`, set up as spawn() sets up a child (rlimits, cwd, stdio, signal mask;
  // parent_death_signal does not apply), as prlimit(1) and nice(1) do: for a caller with nothing left to do
  // once the command runs. Returns only by throwing, as spawn() would (a setup step may have taken effect).
  [[noreturn]] static void exec_in_place(const Command& cmd);
  // Holds an existing process (not necessarily our child) by pidfd_open. Throws reins::Error (ESRCH).
  static Process open(pid_t pid);
  // The same, with "no such process" as a value: nullopt when `pid` names no process now (ESRCH) or names a
  // thread that is not a process's main thread (EINVAL). Throws reins::Error for the rest (EMFILE, EPERM...),
  // which are failures, not answers.
  static std::optional<Process> try_open(pid_t pid);

  Process() = default;
  Process(Process&&) noexcept = default;
  Process& operator=(Process&& other) noexcept;
  ~Process();

  pid_t pid() const noexcept { return pid_; }
  int pidfd() const noexcept { return pidfd_.get(); }
  bool valid() const noexcept { return static_cast<bool>(pidfd_); }
  bool is_child() const noexcept { return child_; }

  // Sends `sig` through the pidfd. Returns false when the process is gone (reaped, or exited and not our
  // child), which is not an error; throws reins::Error otherwise (EPERM). A zombie child not yet waited for
  // still "receives" it, harmlessly: the kernel accepts signals to zombies.
  bool signal(int sig) const;
  // The same for callers that count deliveries and expect refusals: 0 when sent, else the errno (ESRCH gone,
  // EPERM not ours to signal).
  int signal_errno(int sig) const noexcept;
  // Whether the pidfd still names a process that has not been reaped (running, stopped or a zombie). This is
  // the "verify" of read-then-verify: whatever was read about pid() by number (a /proc file, an fd opened by
  // path) was about this process if it is still unreaped afterwards, since a pid cannot be reused before its
  // process is reaped.
  bool unreaped() const noexcept;
  // Whether the process has exited (pidfd readable). A zombie counts as exited.
  bool has_exited() const;

  // For children only: wait for exit and reap, with rusage. Throws reins::Error (ECHILD) for a non-child.
  ProcessResult wait();
  std::optional<ProcessResult> try_wait();
  // Waits at most `timeout`; std::nullopt if still running then.
  std::optional<ProcessResult> wait_for(std::chrono::nanoseconds timeout);
  // For any process: blocks until it exits (poll on the pidfd), without reaping.
  void wait_exit() const;

  // Gives up ownership: the child keeps running and will not be killed or reaped by this object.
  void detach() noexcept;

  // For the library's own spawners (jobs, init): adopt a child created elsewhere with its pidfd.
  static Process adopt_child(pid_t pid, UniqueFd pidfd) noexcept;

 private:
  Process(pid_t pid, UniqueFd pidfd, bool child) noexcept : pidfd_(std::move(pidfd)), pid_(pid), child_(child) {}
  void kill_and_reap() noexcept;

  UniqueFd pidfd_;
  pid_t pid_ = 0;
  bool child_ = false;
  bool reaped_ = false;
};

}  // namespace reins
