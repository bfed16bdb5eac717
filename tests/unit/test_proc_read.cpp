// The small-file readers behind every procfs reader: whole files of any size, with a reused buffer.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "procfs/proc_read.hpp"
#include "sys/file_io.hpp"

namespace reins {
namespace {

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/reins-proc-read-XXXXXX";
    int fd = ::mkstemp(name);
    path_ = name;
    sys::write_file(AT_FDCWD, path_.c_str(), text).or_throw("write", path_);
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  const char* path() const { return path_.c_str(); }

 private:
  std::string path_;
};

TEST(ProcRead, ReadsFilesLargerThanTheBufferWholeAndReusesIt) {
  std::string big(10000, 'x');
  big[9999] = 'y';
  TempFile file(big), small("tiny\n");
  for (auto read : {procfs::read_whole_at, procfs::read_records_at}) {
    std::vector<char> buffer;
    auto length = read(AT_FDCWD, file.path(), buffer);
    ASSERT_TRUE(length.ok()) << length.error();
    EXPECT_EQ(std::string(buffer.data(), *length), big);
    auto capacity = buffer.size();
    length = read(AT_FDCWD, small.path(), buffer);
    ASSERT_TRUE(length.ok()) << length.error();
    EXPECT_EQ(std::string(buffer.data(), *length), "tiny\n");
    EXPECT_EQ(buffer.size(), capacity) << "the grown buffer is kept for the next read";
    length = read(AT_FDCWD, "/nonexistent/reins", buffer);
    EXPECT_FALSE(length.ok());
    EXPECT_EQ(length.error(), ENOENT);
  }
}

TEST(ProcRead, FormatsProcPathsWithoutAllocating) {
  char path[64];
  EXPECT_STREQ(procfs::proc_path(path, 4194304, "smaps_rollup"), "/proc/4194304/smaps_rollup");
}

}  // namespace
}  // namespace reins
