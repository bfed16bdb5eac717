// A process's memory from /proc/PID/{smaps_rollup,status,statm}: one-shot by path, or through held fds.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "procfs/memory_parse.hpp"
#include "procfs/proc_read.hpp"
#include "procfs/process_memory.hpp"
#include "reins/memory.hpp"
#include "reins/process.hpp"
#include "sys/file_io.hpp"

namespace reins {
namespace {

std::uint64_t page_size() noexcept {
  static const auto size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// Reads each source asked for with `read(source, length)` (which fills `buffer`), most exact first: a parser
// only fills metrics still unknown, so a metric two sources share keeps the better value.
template <typename ReadFn>
ProcessMemory read_sources(pid_t pid, MemorySources sources, std::vector<char>& buffer, ReadFn&& read) {
  ProcessMemory m;
  m.pid = pid;
  auto take = [&](procfs::MemoryFile file, int& error, auto parse) {
    sys::Result<std::size_t> length = read(file);
    error = length.ok() ? parse(std::string_view(buffer.data(), *length), m) : length.error();
  };
  if (sources.smaps_rollup) take(procfs::MemoryFile::smaps_rollup, m.smaps_rollup_error, procfs::parse_smaps_rollup);
  if (sources.status) take(procfs::MemoryFile::status, m.status_error, procfs::parse_status_memory);
  if (sources.statm)
    take(procfs::MemoryFile::statm, m.statm_error,
         [](std::string_view text, ProcessMemory& out) { return procfs::parse_statm(text, page_size(), out); });
  return m;
}

}  // namespace

bool ProcessMemory::gone() const noexcept {
  for (int err : {statm_error, status_error, smaps_rollup_error})
    if (err == ENOENT || err == ESRCH) return true;
  return false;
}

int ProcessMemory::first_error() const noexcept {
  for (int err : {smaps_rollup_error, status_error, statm_error})
    if (err) return err;
  return 0;
}

ProcessMemory procfs::read_process_memory(pid_t pid, MemorySources sources, std::vector<char>& buffer) {
  return read_sources(pid, sources, buffer, [&](MemoryFile file) {
    char path[64];
    return read_whole_at(AT_FDCWD, proc_path(path, pid, file_name(file)), buffer);
  });
}

ProcessMemory read_process_memory(pid_t pid, MemorySources sources) {
  std::vector<char> buffer;
  return procfs::read_process_memory(pid, sources, buffer);
}

ProcessMemoryReader::ProcessMemoryReader(pid_t pid) : pid_(pid) {
  char path[64];
  int fd = ::open(procfs::proc_path(path, pid, ""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  open_error_ = fd < 0 ? errno : 0;
  proc_dir_.reset(fd);
}

ProcessMemoryReader::ProcessMemoryReader(const Process& process) : ProcessMemoryReader(process.pid()) {
  // /proc/PID was opened by number: it is our process only if that process has not exited in between.
  if (!open_error_ && !process.unreaped()) {
    open_error_ = ESRCH;
    proc_dir_.reset();
  }
}

namespace {

// Reads `name` through its held fd `fd` (opened through the /proc/PID dirfd on first use). A held
// smaps_rollup fd is bound to the memory map the process had at open, so after an exec it reads ESRCH
// although the process lives: one reopen through the dirfd tells the two apart (the dirfd gives ESRCH itself
// once the process is gone, whatever now has its pid).
sys::Result<std::size_t> read_held(int proc_dir, UniqueFd& fd, const char* name, std::vector<char>& buffer) noexcept {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!fd) {
      auto opened = sys::open_file(proc_dir, name, O_RDONLY);
      if (!opened.ok()) return sys::Result<std::size_t>::failure(opened.error());
      fd = std::move(*opened);
    }
    auto length = procfs::pread_whole(fd.get(), buffer);
    if (length.error() != ESRCH) return length;
    fd.reset();
  }
  return sys::Result<std::size_t>::failure(ESRCH);
}

}  // namespace

ProcessMemory ProcessMemoryReader::read(MemorySources sources) {
  return read_sources(pid_, sources, buffer_, [&](procfs::MemoryFile file) {
    if (open_error_) return sys::Result<std::size_t>::failure(open_error_);
    UniqueFd& fd = file == procfs::MemoryFile::statm    ? statm_
                   : file == procfs::MemoryFile::status ? status_
                                                        : smaps_rollup_;
    return read_held(proc_dir_.get(), fd, procfs::file_name(file), buffer_);
  });
}

}  // namespace reins
