// Parsers for finding a process's descendants: /proc/PID/task/TID/children and /proc/PID/stat. Pure, no
// allocation; fuzzed in tests/fuzz/.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace reins::procfs {

// A positive decimal pid that fits pid_t, or nullopt.
std::optional<pid_t> parse_pid(std::string_view text) noexcept;

// The parent pid from /proc/PID/stat: "pid (comm) state ppid ...". comm may hold spaces and ')' itself, so
// the fields are counted from its last ')'.
std::optional<pid_t> parse_stat_ppid(std::string_view stat) noexcept;

// The start time (field 22, clock ticks after boot) from /proc/PID/stat: with the pid, it names one process
// for as long as the machine runs, even after the pid is reused.
std::optional<std::uint64_t> parse_stat_start_time(std::string_view stat) noexcept;

// Calls f(pid) for each pid of a space-separated list ("123 456 "); stops at the first token that is not a
// positive pid.
template <typename F>
void for_each_pid(std::string_view list, F&& f) {
  while (!list.empty()) {
    auto start = list.find_first_not_of(" \n");
    if (start == std::string_view::npos) return;
    list.remove_prefix(start);
    auto end = list.find_first_of(" \n");
    auto token = list.substr(0, end);
    list.remove_prefix(end == std::string_view::npos ? list.size() : end);
    auto pid = parse_pid(token);
    if (!pid) return;
    f(*pid);
  }
}

}  // namespace reins::procfs
