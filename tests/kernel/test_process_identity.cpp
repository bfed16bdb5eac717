// The process-identity primitive (Process::try_open, unreaped, signal_errno): "gone" is a value only for
// ESRCH; a zombie still names its process until it is reaped; every other failure is an error.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include "reins/error.hpp"
#include "reins/process.hpp"
#include "support/support.hpp"

namespace reins {
namespace {

Process start(std::vector<std::string> argv) {
  Command c;
  c.argv = std::move(argv);
  return Process::spawn(c);
}

TEST(ProcessIdentity, TryOpenHoldsALiveProcessAndAnswersNulloptOnceItIsGone) {
  Process child = start({test::testproc(), "pause"});
  const pid_t pid = child.pid();
  auto held = Process::try_open(pid);
  ASSERT_TRUE(held.has_value());
  EXPECT_TRUE(held->unreaped());
  child.signal(SIGKILL);
  child.wait();
  EXPECT_FALSE(held->unreaped()) << "the held pidfd must see the reap";
  EXPECT_FALSE(Process::try_open(pid).has_value()) << "pid " << pid << " was reaped (or reused: then rerun)";
}

TEST(ProcessIdentity, AZombieStillNamesItsProcessUntilReaped) {
  Process child = start({test::testproc(), "exit", "0"});
  child.wait_exit();  // exited, not reaped: a zombie
  EXPECT_TRUE(child.has_exited());
  EXPECT_TRUE(child.unreaped());
  EXPECT_EQ(child.signal_errno(0), 0);
  child.wait();
  EXPECT_FALSE(child.unreaped());
  EXPECT_EQ(child.signal_errno(0), ESRCH);
  EXPECT_FALSE(child.signal(SIGTERM));
}

// Out of descriptors is a failure to report, never "the process exited" (which would let a job's
// terminate() pass over a live member).
TEST(ProcessIdentity, RunningOutOfDescriptorsIsAnErrorNotGone) {
  if (test::kSanitizedBuild)
    GTEST_SKIP() << "a sanitizer's runtime needs descriptors of its own: with none left it hangs in its own "
                    "code; the plain lane runs this";
  Process child = start({test::testproc(), "pause"});
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit none = saved;
  none.rlim_cur = 0;  // lowering needs no privilege; every new fd now fails with EMFILE
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &none), 0);
  int err = 0;
  try {
    auto p = Process::try_open(child.pid());
    err = p ? -1 : 0;
  } catch (const Error& e) {
    err = e.errno_value();
  }
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(err, EMFILE) << (err == 0 ? "try_open said 'gone' for a live process" : "try_open succeeded");
}

}  // namespace
}  // namespace reins
