// One cgroup directory: its path, a directory fd that every file access goes through, and removal that waits
// out the kernel's EBUSY while killed tasks are still exiting.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reins/fd.hpp"
#include "sys/result.hpp"

namespace reins::cgroup {

class CgroupDir {
 public:
  CgroupDir() = default;
  // Opens an existing directory; nullopt if it does not exist. Throws reins::Error for other failures.
  static std::optional<CgroupDir> open(const std::string& path, std::string cgroup_path);
  // mkdir, then open. Throws reins::Error (EEXIST when it already exists) naming the path.
  static CgroupDir create(const std::string& path, std::string cgroup_path);

  int fd() const noexcept { return fd_.get(); }
  const std::string& path() const noexcept { return path_; }
  // The path inside its hierarchy, as /proc/<pid>/cgroup shows it: "/process_api/x/job".
  const std::string& cgroup_path() const noexcept { return cgroup_path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  bool has(const char* name) const noexcept;

  // Reads/writes a file of this cgroup. The try_ forms return the errno (sys/result.hpp); the others throw
  // reins::Error naming the full path.
  sys::Result<std::string> try_read(const char* name) const;
  std::string read(const char* name) const;
  // A file holding one number ("4096\n"); nullopt if unreadable or not a number ("max").
  std::optional<std::uint64_t> read_u64(const char* name) const;
  sys::Status try_write(const char* name, std::string_view text) const noexcept;
  void write(const char* name, std::string_view text) const;
  // Opens one of its files (e.g. cgroup.procs for a child to join, cgroup.events to poll).
  UniqueFd open_file(const char* name, int flags) const;

  // Members of this cgroup and of every cgroup below it (the processes, not threads).
  std::vector<pid_t> pids_recursive() const;
  // Removes this directory and every cgroup below it, deepest first, retrying EBUSY (a killed task still
  // exiting) until `deadline`. Returns 0, or the errno of the last failure. ENOENT counts as removed.
  int remove_tree(std::chrono::steady_clock::time_point deadline) const noexcept;

 private:
  CgroupDir(UniqueFd fd, std::string path, std::string cgroup_path)
      : fd_(std::move(fd)), path_(std::move(path)), cgroup_path_(std::move(cgroup_path)) {}

  UniqueFd fd_;
  std::string path_;
  std::string cgroup_path_;
};

// Parses a cgroup.procs text: one pid per line.
std::vector<pid_t> parse_pid_list(std::string_view text);

}  // namespace reins::cgroup
