#include "procfs/process_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "sys/file_io.hpp"

namespace reins::procfs {
namespace {

std::optional<pid_t> to_pid(std::string_view s) noexcept {
  pid_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// Calls f(number) for each numeric entry of a /proc directory.
template <typename F>
void for_each_numeric_entry(const std::string& dir, F&& f) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d))
    if (auto n = to_pid(e->d_name)) f(*n);
  ::closedir(d);
}

std::vector<pid_t> children_by_scan(pid_t pid) {
  std::vector<pid_t> out;
  for_each_numeric_entry("/proc", [&](pid_t n) {
    if (parent_of(n) == pid) out.push_back(n);
  });
  return out;
}

// Whether the process a pidfd holds has not been reaped yet (signal 0 reaches zombies; EPERM means it exists).
bool unreaped(const Process& p) noexcept {
  return ::syscall(SYS_pidfd_send_signal, p.pidfd(), 0, nullptr, 0) == 0 || errno == EPERM;
}

std::optional<Process> open_unchecked(pid_t pid) {
  try {
    return Process::open(pid);
  } catch (const Error& e) {
    if (e.errno_value() == ESRCH) return std::nullopt;
    throw;
  }
}

}  // namespace

std::optional<pid_t> parse_stat_parent(std::string_view stat) noexcept {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string_view::npos || close + 4 >= stat.size()) return std::nullopt;
  std::string_view rest = stat.substr(close + 4);  // skip ") S "
  return to_pid(rest.substr(0, rest.find(' ')));
}

void parse_pid_list(std::string_view text, std::vector<pid_t>& out) {
  while (!text.empty()) {
    auto sp = text.find_first_of(" \n");
    if (auto p = to_pid(text.substr(0, sp))) out.push_back(*p);
    text = sp == std::string_view::npos ? std::string_view{} : text.substr(sp + 1);
  }
}

std::optional<pid_t> parent_of(pid_t pid) {
  std::string stat;
  if (sys::read_file_errno(AT_FDCWD, ("/proc/" + std::to_string(pid) + "/stat").c_str(), stat) != 0)
    return std::nullopt;
  return parse_stat_parent(stat);
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  bool supported = true;
  for_each_numeric_entry(task_dir, [&](pid_t tid) {
    std::string text;
    int err = sys::read_file_errno(AT_FDCWD, (task_dir + "/" + std::to_string(tid) + "/children").c_str(), text);
    if (err == 0) parse_pid_list(text, out);
    else if (err == ENOENT && ::access((task_dir + "/" + std::to_string(tid)).c_str(), F_OK) == 0) supported = false;
  });
  return supported ? out : children_by_scan(pid);
}

std::vector<Process> open_descendants() {
  std::vector<Process> found;
  // Each entry: a pid to look at and the index in `found` of its parent (npos: the calling process).
  constexpr size_t kSelf = static_cast<size_t>(-1);
  std::vector<std::pair<pid_t, size_t>> pending;
  const pid_t self = ::getpid();
  for (pid_t c : children_of(self)) pending.emplace_back(c, kSelf);
  while (!pending.empty()) {
    auto [pid, parent_index] = pending.back();
    pending.pop_back();
    auto proc = open_unchecked(pid);
    if (!proc) continue;
    const pid_t parent_pid = parent_index == kSelf ? self : found[parent_index].pid();
    if (parent_of(pid) != parent_pid || !unreaped(*proc)) continue;
    if (parent_index != kSelf && !unreaped(found[parent_index])) continue;
    found.push_back(std::move(*proc));
    size_t index = found.size() - 1;
    for (pid_t c : children_of(pid)) pending.emplace_back(c, index);
  }
  return found;
}

std::size_t signal_each(const std::vector<Process>& processes, int sig) noexcept {
  std::size_t sent = 0;
  for (const auto& p : processes)
    if (::syscall(SYS_pidfd_send_signal, p.pidfd(), sig, nullptr, 0) == 0) ++sent;
  return sent;
}

}  // namespace reins::procfs
