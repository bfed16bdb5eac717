#include "cgroup/v1/cpuset.hpp"

#include <fcntl.h>

#include "reins/error.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The first non-empty value of `file` from `dir` upwards, stopping at `stop_at`.
std::string inherited(std::string dir, const std::string& stop_at, const char* file) {
  for (;;) {
    auto text = sys::read_file(AT_FDCWD, (dir + "/" + file).c_str());
    if (text.ok() && !trimmed(*text).empty()) return trimmed(*text);
    if (dir.size() <= stop_at.size()) return {};
    dir = dir.substr(0, dir.rfind('/'));
  }
}

}  // namespace

void init_v1_cpuset(const CgroupDir& dir, const std::string& parent_dir, const std::string& stop_at) {
  for (auto [own, effective] :
       {std::pair{"cpuset.cpus", "cpuset.effective_cpus"}, std::pair{"cpuset.mems", "cpuset.effective_mems"}}) {
    auto current = dir.try_read(own);
    if (current.ok() && !trimmed(*current).empty()) continue;  // clone_children did it
    std::string value = inherited(parent_dir, stop_at, effective);
    if (value.empty()) value = inherited(parent_dir, stop_at, own);
    if (value.empty()) throw Error(ENOSPC, "find cpus/mems to give the new cpuset", dir.path());
    dir.write(own, value);
  }
}

}  // namespace reins::cgroup
