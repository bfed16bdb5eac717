#include "procfs/identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <vector>

#include <fmt/format.h>

#include "procfs/proc_read.hpp"
#include "procfs/tree_parse.hpp"
#include "reins/error.hpp"
#include "sys/fields.hpp"

namespace reins::procfs {
namespace {

constexpr std::uint64_t kNoProcess = UINT64_MAX;

// The start time of `pid`; kNoProcess when no such process exists; nullopt when /proc will not say (hidden,
// unreadable).
std::optional<std::uint64_t> start_time_of(pid_t pid) {
  char path[64];
  std::vector<char> buffer;
  auto length = read_whole_at(AT_FDCWD, proc_path(path, pid, "stat"), buffer);
  if (length.error() == ENOENT || length.error() == ESRCH) return kNoProcess;
  if (!length.ok()) return std::nullopt;
  return parse_stat_start_time(std::string_view(buffer.data(), *length));
}

std::uint64_t own_pid_ns() {
  struct stat st {};
  if (::stat("/proc/self/ns/pid", &st) != 0) throw_errno("stat", "/proc/self/ns/pid");
  return st.st_ino;
}

}  // namespace

ProcessStamp ProcessStamp::self() {
  pid_t pid = ::getpid();
  auto start = start_time_of(pid);
  if (!start || *start == kNoProcess) throw Error(EIO, "read the start time of", fmt::format("/proc/{}/stat", pid));
  return {pid, *start, own_pid_ns()};
}

std::string ProcessStamp::format() const { return fmt::format("{} {} {}", pid, start_time, pid_ns); }

std::optional<ProcessStamp> ProcessStamp::parse(std::string_view text) noexcept {
  std::string_view fields[3];
  for (int i = 0; i < 2; ++i) {
    auto space = text.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    fields[i] = text.substr(0, space);
    text.remove_prefix(space + 1);
  }
  fields[2] = text;
  auto pid = parse_pid(fields[0]);
  auto start = sys::parse_u64(fields[1]);
  auto ns = sys::parse_u64(fields[2]);
  if (!pid || !start || !ns) return std::nullopt;
  return ProcessStamp{*pid, *start, *ns};
}

bool ProcessStamp::gone() const {
  if (pid_ns != own_pid_ns()) return false;
  auto start = start_time_of(pid);
  return start && *start != start_time;
}

}  // namespace reins::procfs
