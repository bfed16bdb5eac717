// The guard's process tree (procfs::TrackedTree) on real processes: children and grandchildren started after
// the first look join (found by their new pids or by a complete scan, whichever the machine's fork rate
// picks), members that exit leave, and a tree started later under a shell is guarded whole.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "procfs/tracked_tree.hpp"
#include "reins/guard.hpp"
#include "support/guard_support.hpp"
#include "support/ready_child.hpp"
#include "support/support.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

using test::ReadyChild;

bool holds(const procfs::TrackedTree& set, pid_t pid) {
  auto m = set.members();
  return std::any_of(m.begin(), m.end(), [&](const procfs::TrackedProcess& x) { return x.process.pid() == pid; });
}

TEST(MemoryGuardTreeMembers, ChildrenStartedLaterJoinAndExitedOnesLeave) {
  procfs::TrackedTree tree(Process::open(::getpid()), true);  // this test process: never signalled here
  ASSERT_TRUE(tree.refresh());
  auto parent = ReadyChild::testproc({"parent", "memhog", "1"});
  pid_t grandchild = test::child_pid_from(parent.lines());
  ASSERT_GT(grandchild, 0);
  ASSERT_TRUE(tree.refresh());
  EXPECT_TRUE(holds(tree, parent.pid()));
  EXPECT_TRUE(holds(tree, grandchild));
  for (const auto& m : tree.members()) EXPECT_TRUE(m.statm) << "statm held open for pid " << m.process.pid();

  Process held = Process::open(grandchild);
  ASSERT_TRUE(held.signal(SIGKILL));
  held.wait_exit();
  ASSERT_TRUE(tree.refresh());
  EXPECT_FALSE(holds(tree, grandchild)) << "an exited member leaves";
  EXPECT_TRUE(holds(tree, parent.pid()));
}

TEST(MemoryGuardTree, AChildForkedAfterTheGuardStartedIsGuardedWithTheTree) {
  if (::access("/bin/sh", X_OK) != 0) GTEST_SKIP() << "no /bin/sh";
  // The shell forks the growing child 0.2 s after it starts: after the guard's first look at the tree. In the
  // background and waited for, so that no shell (busybox's execs a last command) becomes the child itself.
  Command c;
  c.argv = {"/bin/sh", "-c", std::string("sleep 0.2; ") + test::testproc() + " grow 50 50 1000 >/dev/null & wait"};
  Process shell = Process::spawn(c);
  GuardOptions o;
  o.limit = 150 * test::kMiB;
  MemoryGuard guard(GuardTarget::tree(shell), o);
  auto result = guard.wait(60s);
  ASSERT_TRUE(result && result->breach);
  EXPECT_EQ(result->end, GuardEnd::killed);
  EXPECT_EQ(result->breach->pid, shell.pid());
  EXPECT_EQ(result->breach->processes, 2u) << "the shell and the child it forked later";
  EXPECT_TRUE(shell.wait().status.signaled());
}

}  // namespace
}  // namespace reins
