// Descriptors a child gets: only stdin, stdout, stderr and the ones the caller names (Command::keep_fds),
// unless it asks for all (inherit_all_fds, what reins run does for make's jobserver). A pipe made without
// close-on-exec no longer leaks into every child and keeps its reader from seeing EOF.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "reins/error.hpp"
#include "reins/process.hpp"
#include "support/seccomp_refuse.hpp"
#include "support/support.hpp"

namespace reins {
namespace {

struct PlainPipe {  // pipe(2) without O_CLOEXEC, as a careless caller makes it
  int r = -1, w = -1;
  PlainPipe() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    r = fds[0];
    w = fds[1];
  }
  ~PlainPipe() {
    ::close(r);
    if (w >= 0) ::close(w);
  }
};

// The exit status of `sh -c 'test -e /proc/self/fd/FD'`: 0 when the child has the descriptor.
int child_has_fd(int fd, Command c = {}) {
  c.argv = {"/bin/sh", "-c", "test -e /proc/self/fd/" + std::to_string(fd)};
  return Process::spawn(c).wait().status.exit_code();
}

TEST(SpawnFds, ADescriptorNotPassedIsClosedInTheChild) {
  PlainPipe p;
  EXPECT_NE(child_has_fd(p.w), 0);
  // The negative control: passing every descriptor, the child has it.
  Command all;
  all.inherit_all_fds = true;
  EXPECT_EQ(child_has_fd(p.w, all), 0);
}

TEST(SpawnFds, KeptDescriptorsArriveUnderTheirNumbersWithoutCloseOnExec) {
  PlainPipe p;
  int cloexec = ::fcntl(p.w, F_DUPFD_CLOEXEC, 20);
  ASSERT_GE(cloexec, 20);
  Command c;
  c.keep_fds = {cloexec, p.r};
  EXPECT_EQ(child_has_fd(cloexec, c), 0) << "close-on-exec is cleared for a kept descriptor";
  EXPECT_EQ(child_has_fd(p.r, c), 0);
  EXPECT_NE(child_has_fd(p.w, c), 0) << "the one not listed is closed";
  ::close(cloexec);
  Command bad;
  bad.argv = {"/bin/true"};
  bad.keep_fds = {cloexec};  // closed now
  EXPECT_THROW(Process::spawn(bad), InvalidArgument);
}

// What hung a caller's test for minutes: the reader of a plain pipe waits for EOF while a child holds the
// write end. Now the read returns as soon as we close ours, while the child still runs.
TEST(SpawnFds, AReaderSeesEofWhileTheChildRuns) {
  PlainPipe p;
  Command c;
  c.argv = {test::testproc(), "pause"};
  Process child = Process::spawn(c);
  ::close(p.w);
  p.w = -1;
  char byte;
  EXPECT_EQ(::read(p.r, &byte, 1), 0);
  EXPECT_FALSE(child.has_exited());
  child.signal(SIGKILL);
  child.wait();
}

// Kernels before 5.9 have no close_range: the same result by marking the others close-on-exec.
TEST(SpawnFds, WithoutCloseRangeTheOthersAreStillClosed) {
  if (!test::refusals_in_force().empty()) GTEST_SKIP() << "REINS_TEST_REFUSE is set: this process refuses calls";
  PlainPipe p;
  // In a child of the test, so that the filter stays there.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    test::refuse_syscalls({{"close_range", ENOSYS}});
    errno = 0;
    if (::syscall(SYS_close_range, 1000, 1000, 0) != -1 || errno != ENOSYS) ::_exit(3);  // the negative control
    ::_exit(child_has_fd(p.w) != 0 ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3: the filter did not refuse close_range; 4: the descriptor leaked";
}

}  // namespace
}  // namespace reins
