// Spawning where clone3 or CLONE_PIDFD is refused (Docker's default seccomp profile answers clone3 with
// ENOSYS; other profiles with EPERM; kernels before 5.2 have no CLONE_PIDFD): each fallback runs the command,
// holds it by a pidfd from the start, signals it through that pidfd and reaps its status. Each test installs
// its filter in its own process (ctest runs every test in a process of its own) and first shows that the
// filter really refuses the call.
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pidfd/spawn.hpp"
#include "reins/process.hpp"
#include "support/seccomp_refuse.hpp"
#include "support/support.hpp"

namespace reins {
namespace {

// The negative control: the raw calls fail as the filter says.
void expect_clone3_refused_with(int err) {
  clone_args args{};
  args.exit_signal = SIGCHLD;
  errno = 0;
  EXPECT_EQ(::syscall(SYS_clone3, &args, sizeof args), -1);
  EXPECT_EQ(errno, err);
}

void expect_spawned_command_works(pidfd::SpawnPath path) {
  Command exit7;
  exit7.argv = {test::testproc(), "exit", "7"};
  Process p = Process::spawn(exit7);
  EXPECT_EQ(pidfd::spawn_path(), path) << pidfd::spawn_path_name(pidfd::spawn_path());
  ASSERT_TRUE(p.valid());
  EXPECT_EQ(p.wait().status.exit_code(), 7);

  Command pause;
  pause.argv = {test::testproc(), "pause"};
  Process q = Process::spawn(pause);
  EXPECT_TRUE(q.signal(SIGTERM));  // through the pidfd
  auto status = q.wait().status;
  EXPECT_TRUE(status.signaled());
  EXPECT_EQ(status.signal(), SIGTERM);
  EXPECT_FALSE(q.signal(SIGTERM)) << "a reaped process must answer 'gone', never reach a stranger";
}

bool in_fallback_lane() { return !test::refusals_in_force().empty(); }

TEST(SpawnFallback, WithClone3AllowedTheFirstPathIsClone3) {
  if (in_fallback_lane()) GTEST_SKIP() << "REINS_TEST_REFUSE is set: this process already refuses calls";
  expect_spawned_command_works(pidfd::SpawnPath::clone3);
}

TEST(SpawnFallback, Clone3RefusedWithEnosysAsUnderDockersDefaultProfile) {
  if (in_fallback_lane()) GTEST_SKIP() << "REINS_TEST_REFUSE is set: this process already refuses calls";
  test::refuse_syscalls({{"clone3", ENOSYS}});
  expect_clone3_refused_with(ENOSYS);
  expect_spawned_command_works(pidfd::SpawnPath::clone_pidfd);
}

TEST(SpawnFallback, Clone3RefusedWithEperm) {
  if (in_fallback_lane()) GTEST_SKIP() << "REINS_TEST_REFUSE is set: this process already refuses calls";
  test::refuse_syscalls({{"clone3", EPERM}});
  expect_clone3_refused_with(EPERM);
  expect_spawned_command_works(pidfd::SpawnPath::clone_pidfd);
}

TEST(SpawnFallback, NoClonePidfdFallsBackToPidfdOpenOfTheUnreapedChild) {
  if (in_fallback_lane()) GTEST_SKIP() << "REINS_TEST_REFUSE is set: this process already refuses calls";
  test::refuse_syscalls({{"clone3", ENOSYS}, {"clone_pidfd", EINVAL}});
  expect_clone3_refused_with(ENOSYS);
  int pidfd = -1;
  errno = 0;
  EXPECT_EQ(::syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, nullptr, &pidfd, nullptr, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  expect_spawned_command_works(pidfd::SpawnPath::clone_then_pidfd_open);
}

TEST(SpawnFallback, NoPidfdAtAllIsOneClearError) {
  if (in_fallback_lane()) GTEST_SKIP() << "REINS_TEST_REFUSE is set: this process already refuses calls";
  test::refuse_syscalls({{"clone3", ENOSYS}, {"clone_pidfd", EINVAL}, {"pidfd_open", ENOSYS}});
  Command exit0;
  exit0.argv = {test::testproc(), "exit", "0"};
  try {
    Process::spawn(exit0);
    FAIL() << "spawned without any pidfd";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ENOSYS);
    EXPECT_NE(std::string(e.what()).find("needs pidfds"), std::string::npos) << e.what();
  }
}

// In the forced-fallback lane (scripts/test.sh runs the kernel, cgroup and cli lanes with clone3 refused) the
// whole suite runs on the fallback: this shows it does, so a green lane cannot mean the filter was absent.
TEST(SpawnFallback, TheForcedFallbackLaneReallySpawnsByTheFallback) {
  if (!in_fallback_lane()) GTEST_SKIP() << "only in the forced-fallback lane (REINS_TEST_REFUSE=clone3:ENOSYS)";
  expect_clone3_refused_with(test::refusals_in_force().front().err);
  expect_spawned_command_works(pidfd::SpawnPath::clone_pidfd);
}

}  // namespace
}  // namespace reins
