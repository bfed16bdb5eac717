// A process's descendants and their summed memory.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "procfs/proc_read.hpp"
#include "procfs/process_memory.hpp"
#include "procfs/tree_parse.hpp"
#include "procfs/held_tree.hpp"
#include "reins/memory.hpp"

namespace reins {
namespace {

// The numeric entries of a /proc-like directory: pids in /proc, tids in /proc/PID/task.
template <typename F>
void for_each_numeric_entry(const char* dir, F&& f) {
  DIR* d = ::opendir(dir);
  if (!d) return;
  while (dirent* e = ::readdir(d))
    if (auto id = procfs::parse_pid(e->d_name)) f(*id);
  ::closedir(d);
}

// /proc/PID/task/TID/children exists when the kernel has CONFIG_PROC_CHILDREN (most distributions).
bool children_files_exist() {
  static const bool exist = ::access("/proc/thread-self/children", R_OK) == 0;
  return exist;
}

// The children of every thread of `pid` (a child belongs to the thread that forked it).
void append_children(pid_t pid, std::vector<char>& buffer, std::vector<pid_t>& out) {
  char task_dir[64];
  procfs::proc_path(task_dir, pid, "task");
  auto read_children = [&](pid_t tid) {
    char path[96];
    std::snprintf(path, sizeof path, "%s/%d/children", task_dir, static_cast<int>(tid));
    std::size_t length = 0;
    if (procfs::read_records_at(AT_FDCWD, path, buffer, length) == 0)
      procfs::for_each_pid(std::string_view(buffer.data(), length), [&](pid_t child) { out.push_back(child); });
  };
  // procfs gives the task directory 2 + (number of threads) links: a single-threaded process, the common
  // case, needs no directory listing.
  struct stat st {};
  if (::stat(task_dir, &st) != 0) return;
  if (st.st_nlink == 3) read_children(pid);
  else for_each_numeric_entry(task_dir, read_children);
}

// Without children files: one scan of every /proc/PID/stat for its parent.
std::unordered_map<pid_t, std::vector<pid_t>> children_by_parent() {
  std::unordered_map<pid_t, std::vector<pid_t>> children;
  std::vector<char> buffer;
  for_each_numeric_entry("/proc", [&](pid_t pid) {
    char path[64];
    std::size_t length = 0;
    if (procfs::read_whole_at(AT_FDCWD, procfs::proc_path(path, pid, "stat"), buffer, length) != 0) return;
    if (auto ppid = procfs::parse_stat_ppid(std::string_view(buffer.data(), length))) children[*ppid].push_back(pid);
  });
  return children;
}

void add_known(ProcessMemory& total, const ProcessMemory& one) {
  for (const auto& metric : process_memory_metrics()) {
    const auto& value = one.*metric.member;
    if (!value) continue;
    auto& sum = total.*metric.member;
    sum = sum.value_or(0) + std::min(*value, UINT64_MAX - sum.value_or(0));
  }
}

}  // namespace

namespace procfs {

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  if (children_files_exist()) {
    std::vector<char> buffer;
    append_children(pid, buffer, out);
  } else if (auto all = children_by_parent(); all.count(pid)) {
    out = all[pid];
  }
  return out;
}

std::optional<pid_t> parent_of(pid_t pid) {
  std::vector<char> buffer;
  char path[64];
  std::size_t length = 0;
  if (procfs::read_whole_at(AT_FDCWD, procfs::proc_path(path, pid, "stat"), buffer, length) != 0) return std::nullopt;
  return procfs::parse_stat_ppid(std::string_view(buffer.data(), length));
}

}  // namespace procfs

std::vector<pid_t> process_descendants(pid_t root) {
  std::vector<pid_t> found;
  std::unordered_set<pid_t> seen{root};
  std::deque<pid_t> queue{root};
  std::vector<char> buffer;
  std::unordered_map<pid_t, std::vector<pid_t>> scanned;
  if (!children_files_exist()) scanned = children_by_parent();
  std::vector<pid_t> children;
  while (!queue.empty()) {
    pid_t pid = queue.front();
    queue.pop_front();
    children.clear();
    if (children_files_exist()) append_children(pid, buffer, children);
    else if (auto it = scanned.find(pid); it != scanned.end()) children = it->second;
    for (pid_t child : children)
      if (seen.insert(child).second) {  // a pid listed twice while the tree changes is taken once
        found.push_back(child);
        queue.push_back(child);
      }
  }
  return found;
}

TreeMemory read_tree_memory(pid_t root, MemorySources sources) {
  TreeMemory tree;
  tree.root = root;
  tree.total.pid = root;
  std::vector<char> buffer;
  auto add = [&](pid_t pid) {
    auto& one = tree.processes.emplace_back(procfs::read_process_memory(pid, sources, buffer));
    if (one.first_error()) ++tree.unreadable;
    add_known(tree.total, one);
  };
  add(root);
  for (pid_t pid : process_descendants(root)) add(pid);
  return tree;
}

}  // namespace reins
