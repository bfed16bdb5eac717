#include "cgroup/memory_reader.hpp"
#include "reins/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "reins/fd.hpp"
#include "reins/memory.hpp"
#include "sys/file_io.hpp"

namespace reins {
namespace cgroup {
namespace {

// Deeper than any real hierarchy: a bound on the walk up to the root.
constexpr int kMaxDepth = 64;

bool has_file(int dirfd, const char* name) { return ::faccessat(dirfd, name, F_OK, 0) == 0; }

// The text of `name` in the cgroup directory, or nullopt if it cannot be read (absent in this kernel or
// version, or the cgroup is gone).
std::optional<std::string> read_text(int dirfd, const char* name) {
  return sys::read_file(dirfd, name).value_or_none();
}

MaybeBytes read_counter(int dirfd, const char* name) {
  auto text = read_text(dirfd, name);
  return text ? parse_counter(*text) : std::nullopt;
}

std::optional<SizeLimit> read_limit(int dirfd, const char* name) {
  auto text = read_text(dirfd, name);
  return text ? parse_memory_limit(*text) : std::nullopt;
}

// The smaller of two limits, where nullopt is no limit.
SizeLimit min_limit(SizeLimit a, SizeLimit b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// What the limits of a cgroup and its ancestors leave it: the smallest limit (v2 limits apply from every
// ancestor) and the least (limit − usage), 0 at or over one (an ancestor's usage includes its other
// children). Unknown on the way makes them unknown, never unlimited: a limit that cannot be read, both; a
// limited level's usage that cannot be read, the headroom. The walk starts from the cgroup's own figures and
// ends at the first directory without the version's limit file (the hierarchy's root, or the namespace's).
struct Bounds {
  std::optional<SizeLimit> smallest_max;
  MaybeBytes headroom;
};
Bounds bounds_up(int dirfd, std::optional<SizeLimit> max, MaybeBytes usage, const char* usage_file,
                 const char* limit_file) {
  SizeLimit smallest;
  MaybeBytes least;
  bool headroom_known = true;
  UniqueFd parent;
  for (int depth = 0;; ++depth) {
    if (!max) return {};
    smallest = min_limit(smallest, *max);
    if (*max && headroom_known) {
      if (usage)
        least = std::min(least.value_or(UINT64_MAX), **max > *usage ? **max - *usage : 0);
      else
        headroom_known = false;
    }
    parent.reset(::openat(parent ? parent.get() : dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent || !has_file(parent.get(), limit_file) || depth + 1 >= kMaxDepth) break;
    max = read_limit(parent.get(), limit_file);
    usage = max && *max ? read_counter(parent.get(), usage_file) : std::nullopt;
  }
  return {smallest, headroom_known ? least : std::nullopt};
}

void read_v2(int dirfd, CgroupMemory& m) {
  m.version = CgroupVersion::v2;
  m.current = read_counter(dirfd, "memory.current");
  m.peak = read_counter(dirfd, "memory.peak");
  m.swap_current = read_counter(dirfd, "memory.swap.current");
  m.max = read_limit(dirfd, "memory.max");
  m.high = read_limit(dirfd, "memory.high");
  const Bounds bounds = bounds_up(dirfd, m.max, m.current, "memory.current", "memory.max");
  m.effective_max = bounds.smallest_max;
  m.headroom = bounds.headroom;
  if (auto stat = read_text(dirfd, "memory.stat")) parse_memory_stat_v2(*stat, m.stat);
  if (auto events = read_text(dirfd, "memory.events")) parse_memory_events_v2(*events, m.events);
}

void read_v1(int dirfd, CgroupMemory& m) {
  m.version = CgroupVersion::v1;
  m.current = read_counter(dirfd, "memory.usage_in_bytes");
  m.peak = read_counter(dirfd, "memory.max_usage_in_bytes");
  m.max = read_limit(dirfd, "memory.limit_in_bytes");
  // (v1's smallest limit is memory.stat's hierarchical_memory_limit, read below.)
  m.headroom = bounds_up(dirfd, m.max, m.current, "memory.usage_in_bytes", "memory.limit_in_bytes").headroom;
  if (auto stat = read_text(dirfd, "memory.stat")) parse_memory_stat_v1(*stat, m.stat, m.effective_max);
  m.events.max = read_counter(dirfd, "memory.failcnt");
  if (auto oom = read_text(dirfd, "memory.oom_control")) parse_oom_control_v1(*oom, m.events);
}

}  // namespace

std::optional<std::string> own_memory_dir(const Layout& layout) {
  const Hierarchy* h = layout.find(Controller::memory);
  if (!h) return std::nullopt;
  return h->parent_dir();
}

}  // namespace cgroup

CgroupMemory read_cgroup_memory(const std::string& dir) {
  CgroupMemory m;
  m.path = dir;
  UniqueFd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd) {
    m.error = errno;
    return m;
  }
  // v1 also has memory.stat, so its own usage file decides first.
  if (cgroup::has_file(dirfd.get(), "memory.usage_in_bytes"))
    cgroup::read_v1(dirfd.get(), m);
  else if (cgroup::has_file(dirfd.get(), "memory.stat"))
    cgroup::read_v2(dirfd.get(), m);
  else
    m.error = ENOENT;
  return m;
}

std::optional<std::string> own_memory_cgroup_dir() {
  try {
    return cgroup::own_memory_dir(cgroup::Layout::discover());
  } catch (const Error& e) {
    if (e.errno_value() == ENOENT) return std::nullopt;  // no cgroup hierarchy mounted at all
    throw;
  }
}

std::optional<CgroupMemory> read_own_cgroup_memory() {
  auto dir = own_memory_cgroup_dir();
  if (!dir) return std::nullopt;
  return read_cgroup_memory(*dir);
}

MaybeBytes memory_headroom(const CgroupMemory* cgroup, const SystemMemory& system) {
  MaybeBytes bound = cgroup ? cgroup->headroom : std::nullopt;
  if (!bound) return system.available;
  return system.available ? std::min(*bound, *system.available) : bound;
}

MaybeBytes memory_headroom() {
  auto own = read_own_cgroup_memory();
  return cgroup::headroom_now(own ? &*own : nullptr);
}

MaybeBytes cgroup::headroom_now(const CgroupMemory* cgroup) {
  SystemMemory system;
  try {
    system = read_system_memory();
  } catch (const Error&) {
    // No /proc/meminfo (a sandbox without /proc): the cgroup alone, if it knows.
  }
  return memory_headroom(cgroup, system);
}

}  // namespace reins
