// Reaper. The no-steal argument (docs/design/init.md): a child is reaped only inside try_reap(), which holds
// State::mu while it checks that the child is not claimed and that no spawn guard is open, and while it
// reaps. claim() holds the same lock while it checks that the child is unreaped and records it. So once claim()
// has returned, the reaper cannot take that child; and a child created under a guard cannot be reaped before
// the claim that follows, since no unclaimed child is reaped while a guard is open.
#include "reins/reaper.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "procfs/held_tree.hpp"
#include "sys/fds.hpp"
#include "sys/signal_fd.hpp"
#include "sys/wait.hpp"

namespace reins {

namespace {

bool subreaper_bit() noexcept {
  int value = 0;
  return ::prctl(PR_GET_CHILD_SUBREAPER, &value) == 0 && value != 0;
}

// The waitid selector for ReaperOptions::pid.
std::pair<idtype_t, id_t> scope_of(pid_t pid) noexcept {
  if (pid == -1) return {P_ALL, 0};
  if (pid == 0) return {P_PGID, static_cast<id_t>(::getpgrp())};
  if (pid < -1) return {P_PGID, static_cast<id_t>(-pid)};
  return {P_PID, static_cast<id_t>(pid)};
}

bool in_scope(pid_t scope, pid_t child) noexcept {
  if (scope == -1) return true;
  if (scope > 0) return child == scope;
  return ::getpgid(child) == (scope == 0 ? ::getpgrp() : -scope);
}

UniqueFd make_epoll(std::initializer_list<int> fds) {
  UniqueFd ep = sys::make_epoll("the reaper");
  for (int fd : fds) sys::epoll_add(ep.get(), fd, EPOLLIN, "the reaper's wake-ups");
  return ep;
}

enum class Verdict { reaped, claimed, deferred, none };

}  // namespace

struct Reaper::State {
  ReaperOptions opts;
  bool active = false;
  int wait_flags = 0;  // __WALL when clone_children
  sys::SignalFd sigchld;
  UniqueFd wake;   // eventfd: a claim released, the last guard ended, stop()
  UniqueFd epoll;  // sigchld + wake: the one fd a caller's loop polls

  std::mutex mu;  // held across every reap decision and the reap itself
  std::vector<pid_t> claimed;
  int spawning = 0;

  std::mutex pass_mu;  // one reap pass at a time
  std::thread thread;
  std::atomic<bool> stopping{false};
  int previous_subreaper = -1;  // restored on destruction; -1 if we did not change it

  void wake_up() const noexcept {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake.get(), &one, sizeof one);
  }

  // An exited child in scope, left unreaped (WNOWAIT); nullopt when there is none.
  std::optional<pid_t> peek() const {
    auto [idtype, id] = scope_of(opts.pid);
    siginfo_t info{};
    if (sys::waitid_rusage(idtype, id, &info, WEXITED | WNOHANG | WNOWAIT | wait_flags, nullptr) != 0) {
      if (errno == ECHILD) return std::nullopt;
      throw_errno("waitid", "exited children");
    }
    if (info.si_pid == 0) return std::nullopt;
    return info.si_pid;
  }

  Verdict try_reap(pid_t pid, ReapedChild& out) {
    std::lock_guard lock(mu);
    if (std::find(claimed.begin(), claimed.end(), pid) != claimed.end()) return Verdict::claimed;
    if (spawning > 0) return Verdict::deferred;
    siginfo_t info{};
    ::rusage ru{};
    if (sys::waitid_rusage(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | wait_flags, &ru) != 0 ||
        info.si_pid == 0)
      return Verdict::none;  // still running, or not a child we may wait for
    out = {pid, sys::status_from(info), Rusage::from_native(ru)};
    return Verdict::reaped;
  }

  void report(const ReapedChild& child) const {
    if (opts.on_reaped) opts.on_reaped(child);
  }

  // A claimed zombie is what waitid(WNOWAIT) keeps returning until its owner reaps it, which hides the
  // zombies behind it; those are found by listing our children instead.
  std::size_t reap_behind_claimed() {
    std::size_t count = 0;
    for (pid_t pid : procfs::children_of(::getpid())) {
      if (!in_scope(opts.pid, pid)) continue;
      ReapedChild child;
      Verdict v = try_reap(pid, child);
      if (v == Verdict::deferred) break;
      if (v != Verdict::reaped) continue;
      ++count;
      report(child);
    }
    return count;
  }

  std::size_t reap_pass() {
    if (!active) return 0;
    std::lock_guard pass(pass_mu);
    // Drained before looking, so a SIGCHLD that comes during the pass leaves the fd readable for the next one.
    sigchld.drain();
    std::uint64_t wakes;
    [[maybe_unused]] auto n = ::read(wake.get(), &wakes, sizeof wakes);
    std::size_t count = 0;
    while (auto pid = peek()) {
      ReapedChild child;
      Verdict v = try_reap(*pid, child);
      if (v == Verdict::claimed) count += reap_behind_claimed();
      if (v == Verdict::claimed || v == Verdict::deferred) break;  // a release or the guard's end wakes us
      if (v == Verdict::none) continue;                            // gone meanwhile; peek moves on
      ++count;
      report(child);
    }
    return count;
  }

  void thread_main() {
    while (!stopping.load()) {
      epoll_event ev{};
      if (::epoll_wait(epoll.get(), &ev, 1, -1) < 0 && errno != EINTR) throw_errno("epoll_wait", "reaper");
      if (stopping.load()) break;
      reap_pass();
    }
  }

  void stop_thread() noexcept {
    if (!thread.joinable()) return;
    stopping = true;
    wake_up();
    thread.join();
  }

  void shut_down() noexcept {
    stop_thread();
    if (previous_subreaper >= 0) ::prctl(PR_SET_CHILD_SUBREAPER, previous_subreaper);
    previous_subreaper = -1;
  }
};

Reaper::Reaper(ReaperOptions options) : state_(std::make_shared<State>()) {
  State& s = *state_;
  if (!sys::thread_blocks(SIGCHLD))
    throw Error(EINVAL, "reaper: SIGCHLD must be blocked in every thread (reins::block_signals({SIGCHLD}))");
  s.sigchld = sys::SignalFd(sys::signal_set({SIGCHLD}));
  s.wake = sys::make_eventfd("the reaper");
  s.epoll = make_epoll({s.sigchld.fd(), s.wake.get()});
  if (options.subreaper && !subreaper_bit()) {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) throw_errno("become", "a child subreaper (PR_SET_CHILD_SUBREAPER)");
    s.previous_subreaper = 0;
  }
  s.wait_flags = options.clone_children ? __WALL : 0;
  s.active = ::getpid() == 1 || subreaper_bit() || options.run_when_not_pid1;
  s.opts = std::move(options);
}

Reaper::Reaper(Reaper&&) noexcept = default;

Reaper& Reaper::operator=(Reaper&& other) noexcept {
  if (this != &other) {
    if (state_) state_->shut_down();
    state_ = std::move(other.state_);
  }
  return *this;
}

Reaper::~Reaper() {
  if (state_) state_->shut_down();
}

bool Reaper::receives_orphans() { return ::getpid() == 1 || subreaper_bit(); }

bool Reaper::has_children() {
  siginfo_t info{};
  return sys::waitid_rusage(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL, nullptr) == 0;
}

bool Reaper::active() const noexcept { return state_->active; }

int Reaper::fd() const noexcept { return state_->epoll.get(); }

std::size_t Reaper::reap() { return state_->reap_pass(); }

void Reaper::start() {
  State& s = *state_;
  if (!s.active || s.thread.joinable()) return;
  s.stopping = false;
  s.thread = std::thread([&s] { s.thread_main(); });
}

void Reaper::stop() noexcept {
  if (state_) state_->stop_thread();
}

Reaper::Claim Reaper::claim(pid_t pid) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  siginfo_t info{};
  if (sys::waitid_rusage(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT | __WALL, nullptr) != 0)
    throw Error(errno, "claim", fmt::format("pid {} (not an unreaped child of this process)", pid));
  s.claimed.push_back(pid);
  return Claim(state_, pid);
}

Reaper::Claim::Claim(Claim&& other) noexcept : state_(std::move(other.state_)), pid_(std::exchange(other.pid_, 0)) {}

Reaper::Claim& Reaper::Claim::operator=(Claim&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
    pid_ = std::exchange(other.pid_, 0);
  }
  return *this;
}

void Reaper::Claim::release() noexcept {
  if (!state_) return;
  {
    std::lock_guard lock(state_->mu);
    auto& c = state_->claimed;
    if (auto it = std::find(c.begin(), c.end(), pid_); it != c.end()) c.erase(it);
  }
  state_->wake_up();
  state_.reset();
}

Reaper::SpawnGuard Reaper::guard_spawn() {
  std::lock_guard lock(state_->mu);
  ++state_->spawning;
  return SpawnGuard(state_);
}

Reaper::SpawnGuard& Reaper::SpawnGuard::operator=(SpawnGuard&& other) noexcept {
  if (this != &other) {
    end();
    state_ = std::move(other.state_);
  }
  return *this;
}

void Reaper::SpawnGuard::end() noexcept {
  if (!state_) return;
  bool last;
  {
    std::lock_guard lock(state_->mu);
    last = --state_->spawning == 0;
  }
  if (last) state_->wake_up();
  state_.reset();
}

}  // namespace reins
