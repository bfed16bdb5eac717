// The memory guard acting on real processes: a growing child killed past its PSS limit with a bounded
// overshoot, report-only, a tree killed whole, SIGKILL only after the grace, and a callback that decides.
#include <gtest/gtest.h>
#include <signal.h>

#include "reins/guard.hpp"
#include "reins/memory.hpp"
#include "reins/process.hpp"
#include "support/guard_support.hpp"
#include "support/ready_child.hpp"
#include "support/spawned.hpp"
#include "support/support.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

using test::kMiB;
using test::ReadyChild;

// Kills a process we did not start ourselves (a grandchild) when the test ends, however it ends.
GuardOptions pss_limit(std::uint64_t limit, GuardAction action = GuardAction::kill) {
  GuardOptions o;
  o.limit = limit;
  o.action = action;
  return o;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / static_cast<double>(kMiB); }

TEST(MemoryGuardKill, GrowingChildIsKilledSoonAfterPassingItsPssLimit) {
  constexpr std::uint64_t kStep = 50 * kMiB;
  constexpr auto kChildInterval = 100ms;
  auto child = ReadyChild::testproc({"grow", "50", "100", "1000"});  // "ready" before it allocates
  const std::uint64_t baseline = read_process_memory(child.pid()).pss.value();
  GuardOptions options = pss_limit(200 * kMiB);
  options.interval = 100ms;
  MemoryGuard guard(GuardTarget::process(child.process()), options);

  auto result = guard.wait(60s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, GuardEnd::killed);
  ASSERT_TRUE(result->breach);
  const GuardBreach& b = *result->breach;
  EXPECT_EQ(b.action, GuardAction::kill);
  EXPECT_EQ(b.signal, SIGTERM);
  EXPECT_EQ(b.signalled, 1u);
  EXPECT_EQ(b.pid, child.pid());
  EXPECT_GT(b.value, b.limit);
  EXPECT_EQ(result->stats.peak, b.value) << "a breach ends the growth";
  auto status = child.process().wait().status;
  EXPECT_TRUE(status.signaled() && status.signal() == SIGTERM) << status.describe();

  // The overshoot is bounded by what the child can add while the guard is between two samples: its growth
  // rate (one step per child interval, at most) over one guard interval plus one sample's time, plus the
  // memory it had before it grew (the steps land on limit + baseline, not on the limit).
  const double rate = static_cast<double>(kStep) / std::chrono::duration<double>(kChildInterval).count();
  const double window = std::chrono::duration<double>(options.interval + result->stats.last_walk_duration).count();
  const double bound = static_cast<double>(baseline) + rate * window;
  const double overshoot = static_cast<double>(b.value - b.limit);
  RecordProperty("overshoot_mib", std::to_string(mib(b.value - b.limit)));
  RecordProperty("bound_mib", std::to_string(bound / static_cast<double>(kMiB)));
  EXPECT_LT(overshoot, bound) << "overshoot " << mib(b.value - b.limit) << " MiB, bound "
                              << bound / static_cast<double>(kMiB) << " MiB (baseline " << mib(baseline)
                              << " MiB, sample " << result->stats.last_walk_duration.count() << " ns)";
}

TEST(MemoryGuardReport, NoKillReportsTheBreachAndTheChildExitsNormally) {
  auto child = ReadyChild::testproc({"grow", "50", "50", "300", "0.3"});  // 300 MiB, then exit 0
  MemoryGuard guard(GuardTarget::process(child.process()), pss_limit(200 * kMiB, GuardAction::report));
  auto breach = guard.wait_breach(60s);
  ASSERT_TRUE(breach);
  EXPECT_EQ(breach->action, GuardAction::report);
  EXPECT_EQ(breach->signalled, 0u);
  EXPECT_GT(breach->value, 200 * kMiB);
  auto status = child.process().wait().status;
  EXPECT_TRUE(status.exited() && status.exit_code() == 0) << status.describe();
  auto result = guard.wait(30s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, GuardEnd::gone);
  EXPECT_EQ(result->stats.breaches, 1u) << "reported once while it stayed over the limit";
}

TEST(MemoryGuardTree, SmallParentAndGrowingChildAreKilledAsATree) {
  auto parent = ReadyChild::testproc({"parent", "grow", "50", "100", "1000"});
  pid_t grandchild = test::child_pid_from(parent.lines());
  ASSERT_GT(grandchild, 0);
  test::KillOnExit cleanup(grandchild);
  GuardOptions options = pss_limit(150 * kMiB);
  MemoryGuard guard(GuardTarget::tree(parent.process()), options);

  auto result = guard.wait(60s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, GuardEnd::killed);
  ASSERT_TRUE(result->breach);
  EXPECT_EQ(result->breach->pid, parent.pid()) << "a sum names the tree's root";
  EXPECT_EQ(result->breach->signalled, 2u);
  EXPECT_TRUE(cleanup.process.has_exited()) << "the growing child is gone";
  auto status = parent.process().wait().status;
  EXPECT_TRUE(status.signaled()) << "the small parent is gone too: " << status.describe();
}

TEST(MemoryGuardTree, PerProcessModeNamesTheProcessOverTheLimit) {
  auto parent = ReadyChild::testproc({"parent", "grow", "40", "20", "120"});
  pid_t grandchild = test::child_pid_from(parent.lines());
  test::KillOnExit cleanup(grandchild);
  GuardOptions options = pss_limit(100 * kMiB, GuardAction::report);
  options.per_process = true;
  MemoryGuard guard(GuardTarget::tree(parent.process()), options);
  auto breach = guard.wait_breach(60s);
  ASSERT_TRUE(breach);
  EXPECT_EQ(breach->pid, grandchild);
  EXPECT_EQ(breach->processes, 2u);
}

TEST(MemoryGuardKill, SigtermIgnoringChildGetsSigkillOnlyAfterTheGrace) {
  auto child = ReadyChild::testproc({"ignore-term"});
  GuardOptions options;
  options.metric = GuardMetric::rss;
  options.limit = 1;  // any process is over 1 byte: the first sample breaches
  options.grace = 500ms;
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  auto breach = guard.wait_breach(30s);
  ASSERT_TRUE(breach);
  EXPECT_EQ(breach->signal, SIGTERM);
  auto status = child.process().wait().status;
  auto exited = std::chrono::steady_clock::now();
  EXPECT_TRUE(status.signaled() && status.signal() == SIGKILL) << status.describe();
  EXPECT_GE(exited - breach->steady_time, options.grace) << "SIGKILL came before the grace ran out";
  auto result = guard.wait(30s);
  ASSERT_TRUE(result && result->sigkill_time);
  EXPECT_GE(*result->sigkill_time - breach->steady_time, options.grace);
  EXPECT_EQ(result->end, GuardEnd::killed);
}

TEST(MemoryGuardKill, NoGraceMeansSigkillAtOnce) {
  auto child = ReadyChild::testproc({"ignore-term"});
  GuardOptions options;
  options.metric = GuardMetric::rss;
  options.limit = 1;
  options.grace = 0s;
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  auto status = child.process().wait().status;
  EXPECT_TRUE(status.signaled() && status.signal() == SIGKILL) << status.describe();
  auto result = guard.wait(30s);
  ASSERT_TRUE(result && result->breach);
  EXPECT_EQ(result->breach->signal, SIGKILL);
}

TEST(MemoryGuardKill, CallbackDecidesToOnlyReport) {
  auto child = ReadyChild::testproc({"memhog", "16"});
  GuardOptions options;
  options.metric = GuardMetric::uss;
  options.limit = 8 * kMiB;
  std::atomic<int> asked{0};
  options.decide = [&](const GuardBreach& b) {
    ++asked;
    EXPECT_EQ(b.action, GuardAction::kill) << "given the option's action";
    return GuardAction::report;
  };
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  auto breach = guard.wait_breach(30s);
  ASSERT_TRUE(breach);
  EXPECT_EQ(breach->action, GuardAction::report);
  EXPECT_EQ(breach->metric, GuardMetric::uss);
  EXPECT_EQ(asked, 1);
  guard.cancel();
  EXPECT_FALSE(child.process().has_exited());
}

}  // namespace
}  // namespace reins
