// Reaper: collects the exit status of children nobody else waits for, so they do not stay zombies — what PID 1
// must do in a container, and what a child subreaper must do for the orphans it adopts. It is go-reaper's
// idea (ramr/go-reaper) without its two flaws: it never takes an exit status that other code of the program
// waits for, and by default it reaps every child, not just those in its own process group.
//
// Not stealing: the reaper only peeks at exited children (waitid WNOWAIT) and reaps one only if it is not
// claimed and no spawn is in progress; both are decided under one lock, together with the reap itself. Code
// that waits for a child of its own claims it first:
//
//   pid_t pid;
//   reins::Reaper::Claim claim;
//   {
//     auto guard = reaper.guard_spawn();   // from before the child exists...
//     pid = fork();                        // (or posix_spawn, Process::spawn, ...)
//     claim = reaper.claim(pid);           // ...until it is claimed
//   }
//   waitpid(pid, &status, 0);              // certain to find it
//   claim.release();                       // the reaper may look at the next zombie
//
// claim() also checks that the child is still unreaped, so a claim made too late fails loudly (ECHILD)
// instead of leaving a wait to fail later. docs/design/init.md has the argument in full.
//
// SIGCHLD must be blocked in every thread (block it in main before starting threads, e.g. with
// reins::block_signals({SIGCHLD})): the reaper takes it through a signalfd. A process that sets SIGCHLD to
// SIG_IGN has its children reaped by the kernel and needs no reaper.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>

#include "reins/process.hpp"
#include "reins/rusage.hpp"

namespace reins {

struct ReapedChild {
  pid_t pid = 0;
  ExitStatus status;
  Rusage rusage;  // of the child and the descendants it waited for
};

struct ReaperOptions {
  // Which children to reap, as waitpid's first argument (go-reaper's Pid): -1 every child (the default), 0
  // the children in our process group (go-reaper's zero value, which misses orphans from other groups), -G
  // those in process group G, N > 0 only child N.
  pid_t pid = -1;
  // go-reaper's wait Options, as far as they concern exits: also reap children whose exit signal is not
  // SIGCHLD (__WALL). Orphans adopted by PID 1 or a subreaper always have SIGCHLD. WUNTRACED and WCONTINUED
  // are not offered: a stop or a continue is not an exit and has nothing to reap.
  bool clone_children = false;
  // Become a child subreaper (PR_SET_CHILD_SUBREAPER), so orphaned descendants are reparented to this process
  // instead of to PID 1. The previous setting is restored when the Reaper is destroyed.
  bool subreaper = false;
  // Reap even when this process is neither PID 1 nor a subreaper (go-reaper's DisablePid1Check); there are
  // then only our own unclaimed children to reap.
  bool run_when_not_pid1 = false;
  // Called for each child reaped, on the thread that reaped it (the reaper's thread after start(), else the
  // caller of reap()), outside the reaper's lock: it may call claim(). It must not throw.
  std::function<void(const ReapedChild&)> on_reaped;
};

class Reaper {
  struct State;

 public:
  // Sets the subreaper bit if asked and opens the SIGCHLD signalfd. Throws reins::Error: EINVAL if the calling
  // thread does not block SIGCHLD, or the errno of prctl/signalfd/eventfd/epoll.
  explicit Reaper(ReaperOptions options = {});
  Reaper(Reaper&&) noexcept;
  Reaper& operator=(Reaper&&) noexcept;
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;
  ~Reaper();  // stops the thread if started

  // Whether orphaned descendants come to this process: it is PID 1 of its PID namespace or a child subreaper
  // (set by anyone, also inherited across exec).
  static bool receives_orphans();
  // Whether any child is left, exited or not, claimed or not (waitid ECHILD means none). As PID 1 or a
  // subreaper that also means no descendant is left.
  static bool has_children();
  // Whether this reaper reaps at all: PID 1, a subreaper, or run_when_not_pid1 (go-reaper's PID-1 check).
  // When false, reap() and start() do nothing.
  bool active() const noexcept;

  // Use 1, in the caller's own poll loop: poll fd() for POLLIN, then call reap(). reap() reaps every child
  // that may be reaped now and returns how many it reaped.
  int fd() const noexcept;
  std::size_t reap();

  // Use 2, in a thread of its own that runs until stop() or destruction. Throws reins::Error if the thread
  // cannot be started.
  void start();
  void stop() noexcept;

  // A claim on one child: while it is held the reaper does not reap that child. Move-only.
  class Claim {
   public:
    Claim() = default;
    Claim(Claim&& other) noexcept;
    Claim& operator=(Claim&& other) noexcept;
    ~Claim() { release(); }
    pid_t pid() const noexcept { return pid_; }
    // Gives the child back; call it after waiting for it. Wakes the reaper, which may have been held up by
    // this child's zombie.
    void release() noexcept;

   private:
    friend class Reaper;
    Claim(std::shared_ptr<State> state, pid_t pid) : state_(std::move(state)), pid_(pid) {}
    std::shared_ptr<State> state_;
    pid_t pid_ = 0;
  };
  // Claims child `pid`. Throws reins::Error (ECHILD) if it is not an unreaped child of this process (already
  // reaped, by us or anyone: claim earlier, under guard_spawn()).
  [[nodiscard]] Claim claim(pid_t pid);

  // While a guard is held the reaper reaps no unclaimed child, so a child created under it cannot be reaped
  // before it is claimed. Reaping resumes (and catches up) when the last guard is gone. Move-only.
  class SpawnGuard {
   public:
    SpawnGuard() = default;
    SpawnGuard(SpawnGuard&& other) noexcept = default;
    SpawnGuard& operator=(SpawnGuard&& other) noexcept;
    ~SpawnGuard() { end(); }
    void end() noexcept;

   private:
    friend class Reaper;
    explicit SpawnGuard(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
  };
  [[nodiscard]] SpawnGuard guard_spawn();

 private:
  std::shared_ptr<State> state_;
};

}  // namespace reins
