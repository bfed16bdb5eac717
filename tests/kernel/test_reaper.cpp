// reins::Reaper with real children: it reaps what nobody claims, and never takes a status that the program
// waits for itself (go-reaper's most reported bug), whether it runs in its own thread or in our loop.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>

#include "reins/reaper.hpp"
#include "reins/run.hpp"

namespace reins {
namespace {

using namespace std::chrono_literals;

pid_t fork_exit(int code) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(code);
  return pid;
}

void wait_until_exited(pid_t pid) { Process::open(pid).wait_exit(); }  // a zombie now, not reaped

// What the reaper's callback saw, for a test thread to wait on.
struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  std::map<pid_t, ReapedChild> reaped;

  std::function<void(const ReapedChild&)> callback() {
    return [this](const ReapedChild& c) {
      std::lock_guard lock(mu);
      reaped[c.pid] = c;
      cv.notify_all();
    };
  }
  bool wait_for_count(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 20s, [&] { return reaped.size() >= n; });
  }
  size_t count() {
    std::lock_guard lock(mu);
    return reaped.size();
  }
};

class ReaperTest : public ::testing::Test {
 protected:
  void SetUp() override { block_signals({SIGCHLD}); }
  ReaperOptions options() {
    ReaperOptions o;
    o.run_when_not_pid1 = true;
    o.on_reaped = seen.callback();
    return o;
  }
  Seen seen;
};

TEST_F(ReaperTest, ClaimedChildrenKeepTheirStatusForTheirOwnWaitpidWhileTheReaperThreadRuns) {
  Reaper reaper(options());
  reaper.start();
  constexpr int kRounds = 300;
  for (int i = 0; i < kRounds; ++i) {
    fork_exit(200);  // unclaimed: the reaper's, racing with the claimed one below
    pid_t pid;
    Reaper::Claim claim;
    {
      auto guard = reaper.guard_spawn();
      pid = fork_exit(i % 100);
      claim = reaper.claim(pid);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid) << "round " << i << ": " << std::strerror(errno);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), i % 100);
  }
  EXPECT_TRUE(seen.wait_for_count(kRounds));
  reaper.stop();
  EXPECT_EQ(seen.count(), static_cast<size_t>(kRounds));  // exactly the unclaimed ones
  for (const auto& [pid, child] : seen.reaped) EXPECT_EQ(child.status.exit_code(), 200) << pid;
}

TEST_F(ReaperTest, NegativeControlAnUnclaimedChildsStatusIsTakenByTheReaper) {
  Reaper reaper(options());
  reaper.start();
  pid_t pid = fork_exit(7);
  ASSERT_TRUE(seen.wait_for_count(1));
  EXPECT_EQ(seen.reaped.at(pid).status.exit_code(), 7);
  int status;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);  // what go-reaper does to os/exec: "no child processes"
  EXPECT_EQ(errno, ECHILD);
  try {
    auto late = reaper.claim(pid);  // too late: it says so instead of letting a wait fail later
    ADD_FAILURE() << "claim of a reaped child succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ECHILD);
  }
}

TEST_F(ReaperTest, ReportsStatusAndRusageOfEachChild) {
  Reaper reaper(options());
  pid_t pid = ::fork();
  if (pid == 0) ::raise(SIGKILL);
  wait_until_exited(pid);
  EXPECT_EQ(reaper.reap(), 1u);
  const auto& c = seen.reaped.at(pid);
  EXPECT_TRUE(c.status.signaled());
  EXPECT_EQ(c.status.signal(), SIGKILL);
  EXPECT_GT(c.rusage.max_rss_bytes, 0u);
}

TEST_F(ReaperTest, AClaimedZombieDoesNotHoldUpTheZombiesBehindIt) {
  Reaper reaper(options());
  pid_t claimed = fork_exit(3);
  auto claim = reaper.claim(claimed);
  wait_until_exited(claimed);  // the oldest zombie: what waitid(P_ALL, WNOWAIT) keeps returning
  pid_t other = fork_exit(4);
  wait_until_exited(other);
  EXPECT_EQ(reaper.reap(), 1u);
  EXPECT_EQ(seen.reaped.count(other), 1u);
  int status = 0;
  EXPECT_EQ(::waitpid(claimed, &status, 0), claimed);
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST_F(ReaperTest, NothingUnclaimedIsReapedWhileASpawnGuardIsHeld) {
  Reaper reaper(options());
  auto guard = reaper.guard_spawn();
  pid_t pid = fork_exit(5);
  wait_until_exited(pid);
  EXPECT_EQ(reaper.reap(), 0u);
  guard.end();
  EXPECT_EQ(reaper.reap(), 1u);
  EXPECT_EQ(seen.reaped.at(pid).status.exit_code(), 5);
}

// A child in a process group of its own, exited.
pid_t fork_exit_in_own_group(int code) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::_exit(code);
  }
  ::setpgid(pid, pid);  // both sides, so it is done before we look, whoever runs first
  wait_until_exited(pid);
  return pid;
}

TEST_F(ReaperTest, ByDefaultReapsChildrenOfEveryProcessGroup) {
  pid_t pid = fork_exit_in_own_group(6);
  Reaper reaper(options());
  EXPECT_EQ(reaper.reap(), 1u);  // go-reaper's zero Config (pid 0) would leave it a zombie
  EXPECT_EQ(seen.reaped.count(pid), 1u);
}

TEST_F(ReaperTest, PidOptionSelectsAChildOrAProcessGroupAsWaitpidDoes) {
  pid_t other_group = fork_exit_in_own_group(1);
  pid_t ours = fork_exit(2);
  wait_until_exited(ours);
  auto opts = options();
  opts.pid = 0;  // our process group only
  EXPECT_EQ(Reaper(opts).reap(), 1u);
  EXPECT_EQ(seen.reaped.count(ours), 1u);
  opts.pid = -other_group;
  EXPECT_EQ(Reaper(opts).reap(), 1u);
  EXPECT_EQ(seen.reaped.count(other_group), 1u);
  pid_t a = fork_exit(3), b = fork_exit(4);
  wait_until_exited(a);
  wait_until_exited(b);
  opts.pid = b;
  EXPECT_EQ(Reaper(opts).reap(), 1u);
  EXPECT_EQ(seen.reaped.count(b), 1u);
  EXPECT_EQ(::waitpid(a, nullptr, 0), a);  // not in scope: left alone
}

TEST_F(ReaperTest, SubreaperAdoptsAndReapsOrphansAndRestoresTheBit) {
  if (Reaper::receives_orphans()) GTEST_SKIP() << "this test process is already PID 1 or a subreaper";
  {
    auto opts = options();
    opts.run_when_not_pid1 = false;
    EXPECT_FALSE(Reaper(opts).active());  // go-reaper's PID-1 check
    opts.subreaper = true;
    Reaper reaper(opts);
    EXPECT_TRUE(reaper.active());
    EXPECT_TRUE(Reaper::receives_orphans());
    reaper.start();
    pid_t middle = ::fork();
    if (middle == 0) {
      fork_exit(9);  // the grandchild: orphaned when we exit, then ours
      ::_exit(0);
    }
    ASSERT_TRUE(seen.wait_for_count(2));
    EXPECT_EQ(seen.reaped.at(middle).status.exit_code(), 0);
    reaper.stop();
  }
  EXPECT_FALSE(Reaper::receives_orphans());
}

TEST(Reaper, RefusesToRunWithoutSigchldBlocked) {
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  try {
    Reaper r;
    ADD_FAILURE() << "constructed without SIGCHLD blocked";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EINVAL);
  }
}

TEST_F(ReaperTest, HasChildrenSaysWhetherAnyChildIsLeft) {
  EXPECT_FALSE(Reaper::has_children());
  pid_t pid = fork_exit(0);
  EXPECT_TRUE(Reaper::has_children());
  ::waitpid(pid, nullptr, 0);
  EXPECT_FALSE(Reaper::has_children());
}

}  // namespace
}  // namespace reins
