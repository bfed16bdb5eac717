#include "sys/page_out.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <string_view>

#include "reins/fd.hpp"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

namespace reins::sys {
namespace {

struct Range {
  std::uintptr_t start, end;
};

// "start-end perms offset dev inode   path": the range, if it is a read-only mapping of inode `ino`.
bool parse_line(std::string_view line, ino_t ino, Range& out) {
  auto field = [&line]() {
    auto sp = line.find(' ');
    std::string_view f = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    return f;
  };
  std::string_view range = field(), perms = field();
  field();  // offset
  field();  // device
  std::string_view inode = field();
  auto dash = range.find('-');
  ino_t found = 0;
  if (dash == std::string_view::npos || perms.size() < 2 || perms[1] == 'w') return false;
  std::from_chars(inode.data(), inode.data() + inode.size(), found);
  return found == ino && std::from_chars(range.data(), range.data() + dash, out.start, 16).ec == std::errc() &&
         std::from_chars(range.data() + dash + 1, range.data() + range.size(), out.end, 16).ec == std::errc();
}

}  // namespace

// Allocation-free, and every madvise comes last: whatever runs after it faults its pages back in, so the
// less that does, the more stays out.
std::size_t page_out_own_code() noexcept {
  struct stat self {};
  if (::stat("/proc/self/exe", &self) != 0) return 0;
  UniqueFd maps(::open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
  std::array<char, 32768> buf;  // a few dozen lines of ~100 bytes for a process like ours
  std::size_t used = 0;
  for (ssize_t n; maps && used < buf.size() && (n = ::read(maps.get(), buf.data() + used, buf.size() - used)) > 0;)
    used += static_cast<std::size_t>(n);
  std::array<Range, 16> ranges;
  std::size_t count = 0;
  std::string_view text(buf.data(), used);
  while (!text.empty() && count < ranges.size()) {
    auto nl = text.find('\n');
    if (parse_line(text.substr(0, nl), self.st_ino, ranges[count])) ++count;
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  std::size_t advised = 0;
  for (std::size_t i = 0; i < count; ++i)
    if (::madvise(reinterpret_cast<void*>(ranges[i].start), ranges[i].end - ranges[i].start, MADV_PAGEOUT) == 0)
      advised += ranges[i].end - ranges[i].start;
  return advised;
}

}  // namespace reins::sys
