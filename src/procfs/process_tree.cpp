// A process's descendants and their summed memory.
#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "procfs/children.hpp"
#include "procfs/held_tree.hpp"
#include "procfs/process_memory.hpp"
#include "reins/memory.hpp"

namespace reins {
namespace {

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
  return read_parent(pid, buffer);
}

}  // namespace procfs

std::vector<pid_t> process_descendants(pid_t root) {
  std::vector<pid_t> found;
  std::unordered_set<pid_t> seen{root};
  std::deque<pid_t> queue{root};
  std::vector<char> buffer;
  std::unordered_map<pid_t, std::vector<pid_t>> scanned;
  if (!procfs::children_files_exist()) scanned = procfs::children_by_parent();
  std::vector<pid_t> children;
  while (!queue.empty()) {
    pid_t pid = queue.front();
    queue.pop_front();
    children.clear();
    if (procfs::children_files_exist())
      procfs::append_children(pid, buffer, children);
    else if (auto it = scanned.find(pid); it != scanned.end())
      children = it->second;
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
