#include "cgroup/dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "reins/error.hpp"
#include "sys/dir_stream.hpp"
#include "sys/fields.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

// The names of the sub-directories of an open directory (child cgroups).
std::vector<std::string> child_dirs(int dirfd) {
  std::vector<std::string> out;
  sys::DirStream::open_at(dirfd).for_each([&](const sys::DirEntry& e) {
    if (e.is_dir()) out.emplace_back(e.name);
  });
  return out;
}

void collect_pids(int dirfd, std::vector<pid_t>& out) {
  if (auto text = sys::read_file(dirfd, "cgroup.procs"); text.ok()) {
    auto pids = parse_pid_list(*text);
    out.insert(out.end(), pids.begin(), pids.end());
  }
  for (const auto& child : child_dirs(dirfd)) {
    int fd = ::openat(dirfd, child.c_str(), kDirFlags);
    if (fd < 0) continue;  // removed meanwhile
    UniqueFd owner(fd);
    collect_pids(fd, out);
  }
}

// rmdir every cgroup below dirfd (deepest first), then `name` itself in parent_fd.
int remove_below(int parent_fd, const char* name) noexcept {
  try {
    int fd = ::openat(parent_fd, name, kDirFlags);
    if (fd < 0) return errno == ENOENT ? 0 : errno;
    UniqueFd owner(fd);
    int err = 0;
    for (const auto& child : child_dirs(fd))
      if (int e = remove_below(fd, child.c_str())) err = e;
    if (err) return err;
  } catch (const std::bad_alloc&) {
    return ENOMEM;  // this remover reports errnos and never throws
  }
  if (::unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) return 0;
  return errno;
}

}  // namespace

std::vector<pid_t> parse_pid_list(std::string_view text) {
  std::vector<pid_t> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto v = sys::parse_u64(text.substr(0, nl));
    if (v && *v > 0 && *v <= 0x7fffffff) out.push_back(static_cast<pid_t>(*v));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return out;
}

std::optional<CgroupDir> CgroupDir::open(const std::string& path, std::string cgroup_path) {
  int fd = ::open(path.c_str(), kDirFlags);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno("open cgroup", path);
  }
  return CgroupDir(UniqueFd(fd), path, std::move(cgroup_path));
}

CgroupDir CgroupDir::create(const std::string& path, std::string cgroup_path) {
  if (::mkdir(path.c_str(), 0755) != 0) throw_errno("create cgroup", path);
  int fd = ::open(path.c_str(), kDirFlags);
  if (fd < 0) {
    int err = errno;
    ::rmdir(path.c_str());
    throw Error(err, "open cgroup", path);
  }
  return CgroupDir(UniqueFd(fd), path, std::move(cgroup_path));
}

bool CgroupDir::has(const char* name) const noexcept { return ::faccessat(fd(), name, F_OK, 0) == 0; }

sys::Result<std::string> CgroupDir::try_read(const char* name) const {
  // A cgroup file is one seq_file record, so a read shorter than asked is its end: no second read for EOF.
  auto file = sys::open_file(fd(), name, O_RDONLY);
  if (!file.ok()) return sys::Result<std::string>::failure(file.error());
  char buf[4096];
  std::string out;
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(file->get(), buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys::Result<std::string>::failure(errno);
    out.append(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof buf) return out;
    offset += n;
  }
}

std::optional<std::uint64_t> CgroupDir::read_u64(const char* name) const {
  auto text = try_read(name);
  if (!text.ok()) return std::nullopt;
  return sys::parse_u64(std::string_view(*text).substr(0, text->find('\n')));
}

std::string CgroupDir::read(const char* name) const { return try_read(name).or_throw("read", file(name)); }

sys::Status CgroupDir::try_write(const char* name, std::string_view text) const noexcept {
  return sys::write_file(fd(), name, text);
}

void CgroupDir::write(const char* name, std::string_view text) const {
  try_write(name, text).or_throw("write '" + std::string(text) + "' to", file(name));
}

UniqueFd CgroupDir::open_file(const char* name, int flags) const {
  return sys::open_file(fd(), name, flags).or_throw("open", file(name));
}

std::vector<pid_t> CgroupDir::pids_recursive() const {
  std::vector<pid_t> out;
  collect_pids(fd(), out);
  return out;
}

int CgroupDir::remove_tree(std::chrono::steady_clock::time_point deadline) const noexcept {
  // Usually the job has no cgroups of its own below it and its members are gone: one rmdir does it.
  if (::rmdir(path_.c_str()) == 0 || errno == ENOENT) return 0;
  auto slash = path_.rfind('/');
  if (slash == std::string::npos) return EINVAL;
  int parent = ::open(slash == 0 ? "/" : path_.substr(0, slash).c_str(), kDirFlags);
  if (parent < 0) return errno == ENOENT ? 0 : errno;
  UniqueFd parent_owner(parent);
  const char* name = path_.c_str() + slash + 1;
  auto pause = std::chrono::microseconds(200);
  for (;;) {
    int err = remove_below(parent, name);
    // EBUSY: members still exiting (a large process takes a few hundred ms to release its memory). The
    // kernel has no notification for "rmdir would now succeed", so this one wait is a backoff.
    if (err != EBUSY || std::chrono::steady_clock::now() >= deadline) return err;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
}

}  // namespace reins::cgroup
