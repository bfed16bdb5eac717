// What a memory guard watches, as the guard's loop sees it: processes held by pidfd, kept up to date by
// refresh(), signalled only through those pidfds, plus (for a cgroup) the cgroup's own charge and a kernel
// event fd. A process, a process tree and a job are each one implementation of this interface.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "procfs/tracked_tree.hpp"
#include "reins/fd.hpp"
#include "reins/guard.hpp"
#include "reins/process.hpp"

namespace reins {
namespace watch {

// A process of a target: held by its pidfd, with its statm held open (see procfs::TrackedProcess).
using Member = procfs::TrackedProcess;

}  // namespace watch

struct GuardTarget::Impl {
  virtual ~Impl() = default;

  // "pid 42", "tree of pid 42", "job build-7": the guard's name when the caller gives none.
  virtual std::string default_name() const = 0;
  // The process a breach of a sum names: the root; 0 for a job.
  virtual pid_t root_pid() const noexcept = 0;
  // Whether cgroup_usage() means something (GuardMetric::cgroup is allowed).
  virtual bool has_cgroup() const noexcept { return false; }

  // Brings the membership up to date: members that exited are dropped, new ones are held by a pidfd once
  // verified. Returns false once no process is left: the target is gone.
  virtual bool refresh() = 0;
  // The processes now held. A reading taken by pid is valid if the member's pidfd shows it still running
  // afterwards (its pid cannot have been reused while it runs).
  virtual std::span<const watch::Member> members() const = 0;
  // The cgroup's charge in bytes, for a cgroup target.
  virtual std::optional<std::uint64_t> cgroup_usage() { return std::nullopt; }

  // fds the guard should also wake for (a root's pidfd while it runs, a cgroup event fd), appended to `out`.
  virtual void wake_fds(std::vector<pollfd>& out) const = 0;
  // One of them woke the guard: consume the wake (read the eventfd...). Returns whether to sample now.
  virtual bool on_wake(int fd) = 0;
  // The limit the guard enforces on `metric`, at the start and after each change: a target that can ask the
  // kernel to wake it at that level (a v1 usage threshold) does so.
  virtual void limit_changed(std::optional<std::uint64_t> /*limit*/, GuardMetric /*metric*/) {}

  // Sends `sig` to every member through its pidfd (after a last refresh). Returns how many got it.
  virtual std::size_t signal_all(int sig) = 0;
  // SIGKILLs every member, including processes forked while this runs, and hands the memory of the killed
  // back to the system early where the kernel can (process_mrelease). Returns how many got SIGKILL.
  virtual std::size_t kill_all() = 0;
};

}  // namespace reins
