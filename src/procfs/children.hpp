// Finding a process's children in /proc: what process trees (process_descendants) and the memory guard's
// held trees are discovered with. The pid is read by number: a caller that must not be fooled by a reused
// pid confirms afterwards, through a pidfd, that the process it means was alive all along.
#pragma once

#include <sys/types.h>

#include <optional>
#include <unordered_map>
#include <vector>

namespace reins::procfs {

// /proc/PID/task/TID/children exists when the kernel has CONFIG_PROC_CHILDREN (most distributions).
bool children_files_exist();

// Appends the children of every thread of `pid` (a child belongs to the thread that forked it).
void append_children(pid_t pid, std::vector<char>& buffer, std::vector<pid_t>& out);

// Without children files: pid → children, from one scan of every /proc/PID/stat.
std::unordered_map<pid_t, std::vector<pid_t>> children_by_parent();

// The parent pid of `pid` from /proc/PID/stat, or nullopt if it cannot be read.
std::optional<pid_t> read_parent(pid_t pid, std::vector<char>& buffer);

}  // namespace reins::procfs
