// sys::page_out_own_code: the executable's read-only pages leave our resident set, and the program still runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
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

TEST(PageOut, TheExecutablesReadOnlyPagesLeaveTheResidentSet) {
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
