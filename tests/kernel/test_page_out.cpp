// sys::page_out_own_code: the executable's read-only pages leave our resident set, and the program still runs.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string>

#include "sys/page_out.hpp"

namespace reins {
namespace {

// Resident KiB of this executable's mappings, from /proc/self/smaps.
long resident_kib_of_executable() {
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string self(exe, n > 0 ? static_cast<size_t>(n) : 0);
  std::ifstream smaps("/proc/self/smaps");
  long total = 0;
  bool ours = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.find('-') < line.find(' ') && line.find(' ') != std::string::npos && !line.empty() &&
        std::isxdigit(static_cast<unsigned char>(line[0])))
      ours = line.size() >= self.size() && line.compare(line.size() - self.size(), self.size(), self) == 0;
    else if (ours && line.rfind("Rss:", 0) == 0)
      total += std::stol(line.substr(4));
  }
  return total;
}

// Whether another process runs this same executable (ctest -j runs several tests of this binary at once): the
// kernel does not page out what another process maps too.
bool executable_shared() {
  struct stat self {};
  if (::stat("/proc/self/exe", &self) != 0) return false;
  DIR* proc = ::opendir("/proc");
  bool shared = false;
  while (dirent* e = proc ? ::readdir(proc) : nullptr) {
    struct stat other {};
    std::string exe = std::string("/proc/") + e->d_name + "/exe";
    if (std::isdigit(static_cast<unsigned char>(e->d_name[0])) && std::atoi(e->d_name) != ::getpid() &&
        ::stat(exe.c_str(), &other) == 0 && other.st_ino == self.st_ino && other.st_dev == self.st_dev)
      shared = true;
  }
  if (proc) ::closedir(proc);
  return shared;
}

TEST(PageOut, TheExecutablesReadOnlyPagesLeaveTheResidentSet) {
  if (executable_shared()) GTEST_SKIP() << "another process runs this test binary and keeps its pages mapped";
  long before = resident_kib_of_executable();
  ASSERT_GT(before, 0);
  EXPECT_GT(sys::page_out_own_code(), 0u);
  long after = resident_kib_of_executable();
  // Measured right after: the code that ran in between (this test, smaps reading) was faulted back in, which
  // also shows nothing was lost, but far less than everything.
  EXPECT_LT(after, before) << "before " << before << " KiB, after " << after << " KiB";
}

}  // namespace
}  // namespace reins
