// libFuzzer target: the checks that keep a job name and an explicit cgroup root inside reins' own part of the
// cgroup tree (a name is one directory entry that is not a control file; a root has no "." or ".."). Each
// must accept or throw InvalidArgument; what it accepts must have the property, or the target aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cgroup/job_cgroups.hpp"
#include "cgroup/layout.hpp"
#include "cgroup/mountinfo.hpp"
#include "reins/error.hpp"

namespace {

bool has_component(std::string_view path, std::string_view part) {
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == part) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    reins::cgroup::check_job_name(text);
    if (text.empty() || text.find('/') != std::string::npos || text.front() == '.' || text == "tasks" ||
        text.rfind("cgroup.", 0) == 0 || text.rfind("memory.", 0) == 0 || text.find('\0') != std::string::npos)
      std::abort();  // accepted a name that is not one plain, non-control directory entry
  } catch (const reins::InvalidArgument&) {
  }
  try {
    reins::cgroup::check_cgroup_root(text);
    if (text.empty() || text.front() != '/' || has_component(text, "..") || has_component(text, ".") ||
        !reins::cgroup::path_within(text + "/job", text))
      std::abort();  // accepted a root that can leave the hierarchy
  } catch (const reins::InvalidArgument&) {
  }
  return 0;
}
