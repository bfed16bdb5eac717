// The process tree as procfs shows it, and the descendants of this process held safely by pidfds.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "reins/process.hpp"

namespace reins::procfs {

// The children of every thread of `pid`, from /proc/<pid>/task/*/children, or by scanning every
// /proc/<n>/stat where that file does not exist (kernels without CONFIG_PROC_CHILDREN). Empty if `pid` is gone.
std::vector<pid_t> children_of(pid_t pid);
// The parent from /proc/<pid>/stat; nullopt if the process is gone.
std::optional<pid_t> parent_of(pid_t pid);

// `pid` held by a pidfd if it is a child of `parent_pid`: the pidfd is opened, the parent read from procfs, then
// the child and `parent` (the parent's own pidfd; nullptr when the parent is the calling process) are checked
// to be unreaped, so both pids still named them. nullopt if it is gone or not that parent's child.
std::optional<Process> open_child(pid_t pid, pid_t parent_pid, const Process* parent);

// Every descendant of the calling process that is still there, parents before children, each held by a pidfd
// that was checked to be that descendant and not a process that reused the pid of one that has gone: after
// opening the pidfd, its parent is read from procfs and then both pidfds are checked to be unreaped, so the
// pids read still named them. Zombies are included (signalling one does nothing).
std::vector<Process> open_descendants();

// Sends `sig` to each process; returns how many got it (processes already gone or not ours to signal, EPERM,
// are skipped).
std::size_t signal_each(const std::vector<Process>& processes, int sig) noexcept;

}  // namespace reins::procfs
