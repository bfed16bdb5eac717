// Process on real children: pidfd at birth, exec errors before spawn returns, waits with rusage, signals
// that can never reach a reused pid.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "reins/process.hpp"
#include "support/support.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

Command cmd(std::vector<std::string> argv) {
  Command c;
  c.argv = std::move(argv);
  return c;
}

TEST(Process, ExitCodeComesBack) {
  auto p = Process::spawn(cmd({"sh", "-c", "exit 3"}));
  EXPECT_GT(p.pidfd(), 2);
  auto r = p.wait();
  EXPECT_TRUE(r.status.exited());
  EXPECT_EQ(r.status.exit_code(), 3);
}

TEST(Process, DeathBySignalIsReported) {
  auto p = Process::spawn(cmd({"sh", "-c", "kill -TERM $$"}));
  auto r = p.wait();
  EXPECT_TRUE(r.status.signaled());
  EXPECT_EQ(r.status.signal(), SIGTERM);
  EXPECT_EQ(r.status.shell_code(), 143);
}

TEST(Process, NotFoundIsDistinctFromNotExecutable) {
  try {
    Process::spawn(cmd({"reins-no-such-command-xyz"}));
    FAIL() << "spawned a missing command";
  } catch (const SpawnError& e) {
    EXPECT_TRUE(e.not_found());
    EXPECT_EQ(e.shell_code(), 127);
    EXPECT_NE(std::string(e.what()).find("reins-no-such-command-xyz"), std::string::npos);
  }
  char dir[] = "/tmp/reins-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string script = std::string(dir) + "/not-executable";
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  chmod(script.c_str(), 0644);
  try {
    Process::spawn(cmd({script}));
    FAIL() << "spawned a non-executable file";
  } catch (const SpawnError& e) {
    EXPECT_FALSE(e.not_found());
    EXPECT_EQ(e.errno_value(), EACCES);
    EXPECT_EQ(e.shell_code(), 126);
  }
  unlink(script.c_str());
  rmdir(dir);
}

TEST(Process, BadWorkingDirectoryFailsBeforeExec) {
  auto c = cmd({"true"});
  c.cwd = "/nonexistent-dir-for-reins";
  try {
    Process::spawn(c);
    FAIL();
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.stage(), SpawnStage::chdir);
    EXPECT_EQ(e.step(), "chdir");
    EXPECT_EQ(e.errno_value(), ENOENT);
  }
}

TEST(Process, SignalThroughPidfdAndWaitWithRusage) {
  auto p = Process::spawn(cmd({test::testproc(), "spin", "30"}));
  EXPECT_FALSE(p.has_exited());
  EXPECT_FALSE(p.wait_for(50ms));  // still spinning: the wait times out
  EXPECT_TRUE(p.signal(SIGKILL));
  auto r = p.wait();
  EXPECT_EQ(r.status.signal(), SIGKILL);
  EXPECT_GT(r.rusage.user_time + r.rusage.system_time, 10ms) << "it spun for at least 50ms";
  EXPECT_GT(r.rusage.max_rss_bytes, 100u * 1024) << "max RSS is converted from KiB to bytes";
}

TEST(Process, SignalAfterExitIsAValueNotAnError) {
  auto p = Process::spawn(cmd({"true"}));
  p.wait_exit();
  EXPECT_TRUE(p.has_exited());
  EXPECT_TRUE(p.signal(0)) << "a zombie not yet waited for still accepts signals, harmlessly";
  p.wait();
  EXPECT_FALSE(p.signal(SIGTERM)) << "a reaped process reports 'already gone'";
}

TEST(Process, ReapedPidIsNeverSignalledAgain) {
  // After reaping, the pid may be reused; the pidfd still names the dead process, so a signal cannot reach
  // whoever has that pid now.
  auto p = Process::spawn(cmd({"true"}));
  p.wait();
  EXPECT_FALSE(p.signal(SIGKILL));
}

TEST(Process, EnvironmentAndCwdAreApplied) {
  auto c = cmd({"sh", "-c", "test \"$REINS_X\" = yes && test \"$(pwd)\" = /tmp"});
  c.env = std::vector<std::string>{"REINS_X=yes", "PATH=/usr/bin:/bin"};
  c.cwd = "/tmp";
  EXPECT_EQ(Process::spawn(c).wait().status.exit_code(), 0);
}

TEST(Process, RlimitsAreSetBeforeExec) {
  auto c = cmd({"sh", "-c", "test \"$(ulimit -n)\" = 77"});
  c.rlimits.push_back(parse_rlimit_setting("nofile=77"));
  EXPECT_EQ(Process::spawn(c).wait().status.exit_code(), 0);
}

TEST(Process, BadRlimitStartsNothing) {
  auto c = cmd({"true"});
  c.rlimits.push_back(parse_rlimit_setting("nofile=10:5"));
  EXPECT_THROW(Process::spawn(c), InvalidArgument);
}

TEST(Process, DestroyingARunningChildKillsAndReapsIt) {
  pid_t pid;
  {
    auto p = Process::spawn(cmd({test::testproc(), "sleep", "60"}));
    pid = p.pid();
  }
  // Reaped: waitpid finds no such child any more, and /proc has no entry (pid reuse within this window
  // is not a concern for the check).
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// fds >= 3 of this process that a child would inherit (no close-on-exec): the test runner may pass some on.
std::set<int> inheritable_fds() {
  std::set<int> out;
  for (int fd = 3; fd < 1024; ++fd) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) out.insert(fd);
  }
  return out;
}

TEST(Process, NoFdOfReinsLeaksIntoTheChild) {
  auto holder = Process::spawn(cmd({test::testproc(), "sleep", "60"}));  // we now hold a pidfd
  // ls lists its own fds: what it inherited, plus the one it opened to read the directory (the last).
  // (No pipeline: the shell would hold the pipe's fds while ls looks.)
  auto out = test::run_capture({"sh", "-c", "exec ls -l /proc/self/fd/"});
  std::set<int> child_fds;
  std::istringstream lines(out.out);
  for (std::string line; std::getline(lines, line);) {
    auto arrow = line.find(" -> ");
    if (arrow == std::string::npos) continue;
    auto name_start = line.rfind(' ', arrow - 1) + 1;
    int fd = std::stoi(line.substr(name_start, arrow - name_start));
    std::string target = line.substr(arrow + 4);
    if (target.rfind("/proc/", 0) == 0 && target.ends_with("/fd")) continue;  // ls's own directory fd
    EXPECT_EQ(line.find("pidfd"), std::string::npos) << line;
    if (fd >= 3) child_fds.insert(fd);
  }
  auto ours = inheritable_fds();
  for (int fd : child_fds)
    if (!ours.count(fd)) ADD_FAILURE() << "child has fd " << fd << " that is not inherited from the test: " << out.out;
}

TEST(Process, OpenExistingProcessAndWaitForItsExit) {
  auto child = Process::spawn(cmd({test::testproc(), "sleep", "60"}));
  auto other = Process::open(child.pid());
  EXPECT_FALSE(other.is_child());
  EXPECT_TRUE(other.signal(SIGTERM));
  other.wait_exit();
  EXPECT_EQ(child.wait().status.signal(), SIGTERM);
  EXPECT_THROW(Process::open(999999999), Error);
}

}  // namespace
}  // namespace reins
