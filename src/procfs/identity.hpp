// Naming a process so that the name outlives it: its pid, its start time and its pid namespace. A pid alone
// may be reused; a stamp written down today can tell tomorrow whether the process it names is still alive.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reins::procfs {

struct ProcessStamp {
  pid_t pid = 0;
  std::uint64_t start_time = 0;  // clock ticks after boot, /proc/PID/stat field 22
  std::uint64_t pid_ns = 0;      // inode of /proc/PID/ns/pid: pids mean something only within it

  // This process. Throws reins::Error if /proc cannot tell.
  static ProcessStamp self();
  // "pid start_time pid_ns", and back (nullopt for anything else: an older marker, a foreign value).
  std::string format() const;
  static std::optional<ProcessStamp> parse(std::string_view text) noexcept;

  // Whether the process named is certainly gone: same pid namespace as ours, and no process with that pid
  // and start time exists. A stamp from another pid namespace is never known to be gone.
  bool gone() const;
};

}  // namespace reins::procfs
