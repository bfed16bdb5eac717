#include "cgroup/enclosing.hpp"

#include <fcntl.h>

#include <algorithm>
#include <string_view>

#include "cgroup/knobs.hpp"
#include "sys/fields.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

// The value of one knob's limit in one cgroup directory, decoded as the job's own would be.
std::optional<std::uint64_t> limit_in(const Knob& knob, Version v, const std::string& dir) {
  FileReader read = [&](const char* file) -> std::optional<std::string> {
    auto text = sys::read_file(AT_FDCWD, (dir + "/" + file).c_str());
    return text.ok() ? std::optional<std::string>(std::move(*text)) : std::nullopt;
  };
  JobLimits decoded;
  knob.decode[column(v)](read, decoded);
  const auto& field = knob.controller == Controller::memory ? decoded.memory_max : decoded.pids_max;
  return field && *field ? std::optional<std::uint64_t>(**field) : std::nullopt;
}

// "/a/b/c" → "/a/b" → "/a" → "/".
std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : path.substr(0, slash);
}

}  // namespace

std::vector<EnclosingLimit> enclosing_limits(const Layout& layout) {
  std::vector<EnclosingLimit> out;
  for (const Knob& knob : knob_table()) {
    const std::string_view property = knob.property;
    if (property != "MemoryMax" && property != "TasksMax") continue;
    const Hierarchy* h = layout.find(knob.controller);
    if (!h) continue;
    std::optional<EnclosingLimit> lowest;
    for (std::string path = h->parent;; path = parent_of(path)) {
      if (auto value = limit_in(knob, h->version, h->dir_of(path)); value && (!lowest || *value < lowest->value))
        lowest = EnclosingLimit{knob.property, path, *value};
      if (path == "/" || path == h->mount_root) break;
    }
    if (lowest) out.push_back(std::move(*lowest));
  }
  return out;
}

std::optional<std::uint64_t> parent_oom_kills(const Layout& layout) {
  const Hierarchy* h = layout.find(Controller::memory);
  if (!h) return std::nullopt;
  const char* file = h->version == Version::v1 ? "memory.oom_control" : "memory.events";
  auto text = sys::read_file(AT_FDCWD, (h->parent_dir() + "/" + file).c_str());
  return text.ok() ? sys::field_u64(*text, "oom_kill") : std::nullopt;
}

}  // namespace reins::cgroup
