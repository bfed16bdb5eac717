// The whole machine's memory: /proc/meminfo and the PSI files.
#include <fcntl.h>

#include <cerrno>

#include "procfs/memory_parse.hpp"
#include "procfs/proc_read.hpp"
#include "reins/error.hpp"
#include "reins/memory.hpp"

namespace reins {

SystemMemory read_system_memory() {
  std::vector<char> buffer;
  auto length = procfs::read_whole_at(AT_FDCWD, "/proc/meminfo", buffer);
  length.status().or_throw("read", "/proc/meminfo");
  return procfs::parse_meminfo(std::string_view(buffer.data(), *length));
}

std::optional<Pressure> read_pressure(const std::string& path) {
  std::vector<char> buffer;
  // ENOENT: no PSI in this kernel (or no such cgroup file); EOPNOTSUPP: booted with psi=0.
  auto length = procfs::read_whole_at(AT_FDCWD, path.c_str(), buffer);
  if (!length.ok()) return std::nullopt;
  auto pressure = procfs::parse_pressure(std::string_view(buffer.data(), *length));
  if (!pressure.some && !pressure.full) return std::nullopt;
  return pressure;
}

std::optional<Pressure> read_memory_pressure() { return read_pressure("/proc/pressure/memory"); }

}  // namespace reins
