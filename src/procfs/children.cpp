// Children of a process from /proc/PID/task/TID/children, or from a scan of /proc.
#include "procfs/children.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "procfs/proc_read.hpp"
#include "procfs/tree_parse.hpp"
#include "sys/dir_stream.hpp"

namespace reins::procfs {
namespace {

// The numeric entries of a /proc-like directory: pids in /proc, tids in /proc/PID/task.
template <typename F>
void for_each_numeric_entry(const char* dir, F&& f) {
  sys::for_each_dir_entry(dir, [&](const sys::DirEntry& e) {
    if (auto id = parse_pid(e.name)) f(*id);
  });
}

}  // namespace

bool children_files_exist() {
  static const bool exist = ::access("/proc/thread-self/children", R_OK) == 0;
  return exist;
}

void append_children(pid_t pid, std::vector<char>& buffer, std::vector<pid_t>& out) {
  char task_dir[64];
  proc_path(task_dir, pid, "task");
  auto read_children = [&](pid_t tid) {
    char path[96];
    std::snprintf(path, sizeof path, "%s/%d/children", task_dir, static_cast<int>(tid));
    if (auto length = read_records_at(AT_FDCWD, path, buffer); length.ok())
      for_each_pid(std::string_view(buffer.data(), *length), [&](pid_t child) { out.push_back(child); });
  };
  // procfs gives the task directory 2 + (number of threads) links: a single-threaded process, the common
  // case, needs no directory listing.
  struct stat st {};
  if (::stat(task_dir, &st) != 0) return;
  if (st.st_nlink == 3)
    read_children(pid);
  else
    for_each_numeric_entry(task_dir, read_children);
}

std::unordered_map<pid_t, std::vector<pid_t>> children_by_parent() {
  std::unordered_map<pid_t, std::vector<pid_t>> children;
  std::vector<char> buffer;
  for_each_numeric_entry("/proc", [&](pid_t pid) {
    if (auto ppid = read_parent(pid, buffer)) children[*ppid].push_back(pid);
  });
  return children;
}

std::optional<pid_t> read_parent(pid_t pid, std::vector<char>& buffer) {
  char path[64];
  auto length = read_whole_at(AT_FDCWD, proc_path(path, pid, "stat"), buffer);
  if (!length.ok()) return std::nullopt;
  return parse_stat_ppid(std::string_view(buffer.data(), *length));
}

}  // namespace reins::procfs
