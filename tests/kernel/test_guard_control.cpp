// The memory guard's control and safety: limit changes at run time, cancel(), a target that exits (no signal
// to anyone after), the RSS gate (no page walk far under the limit, walks near it), and the ways to wait.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "reins/guard.hpp"
#include "reins/process.hpp"
#include "support/guard_support.hpp"
#include "support/ready_child.hpp"
#include "support/support.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

using test::kMiB;
using test::LogCounter;
using test::ReadyChild;

TEST(MemoryGuardLimit, ChangesTakeEffectAtTheNextSample) {
  auto child = ReadyChild::testproc({"memhog", "64"});
  GuardOptions options;
  options.limit = 1024 * kMiB;
  options.action = GuardAction::report;
  // Ticks far apart: the breach below can only come from the sample a limit change starts at once.
  options.interval = 1h;
  LogCounter log;
  options.logger = log.logger();
  options.stats_interval = 1ns;  // a line after every sample
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  ASSERT_TRUE(log.wait_for(1));
  EXPECT_FALSE(guard.wait_breach(0s)) << "64 MiB is under 1 GiB";

  guard.set_limit(32 * kMiB);  // lowered
  EXPECT_EQ(guard.limit(), 32 * kMiB);
  auto breach = guard.wait_breach(30s);
  ASSERT_TRUE(breach);
  EXPECT_EQ(breach->limit, 32 * kMiB);
  EXPECT_GT(breach->value, 32 * kMiB);
  EXPECT_EQ(guard.stats().samples, 2u) << "the first sample, and the one the change started";

  // Each change starts one sample, which ends with a statistics line: wait for it before the next change.
  auto change = [&](std::optional<std::uint64_t> limit) {
    auto next = guard.stats().samples + 1;
    guard.set_limit(limit);
    ASSERT_TRUE(log.wait_for_text(", " + std::to_string(next) + " samples"));
  };
  change(2048 * kMiB);   // raised: nothing to report
  change(std::nullopt);  // cleared: guarding without a limit
  EXPECT_EQ(guard.stats().breaches, 1u);
  EXPECT_FALSE(guard.stats().limit);
  change(16 * kMiB);  // set again after the metric was under a limit: reported again
  EXPECT_EQ(guard.first_breach().get()->limit, 32 * kMiB) << "the first breach stays the first";
  EXPECT_EQ(guard.stats().breaches, 2u);
  EXPECT_FALSE(child.process().has_exited());
}

TEST(MemoryGuardCancel, CancelDuringTheGraceMeansNoSigkill) {
  auto child = ReadyChild::testproc({"ignore-term"});
  GuardOptions options;
  options.metric = GuardMetric::rss;
  options.limit = 1;
  options.grace = 200ms;
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  ASSERT_TRUE(guard.wait_breach(30s));
  guard.cancel();
  EXPECT_FALSE(guard.running());
  EXPECT_FALSE(child.process().wait_for(options.grace * 5)) << "the child ignores SIGTERM and got no SIGKILL";
  auto result = guard.wait(0s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, GuardEnd::cancelled);
  EXPECT_FALSE(result->sigkill_time);
}

TEST(MemoryGuardCancel, NothingHappensAfterCancel) {
  auto child = ReadyChild::testproc({"memhog", "16"});
  std::atomic<int> callbacks{0};
  GuardOptions options;
  options.metric = GuardMetric::rss;
  options.on_breach = [&](const GuardBreach&) { ++callbacks; };
  options.logger = [&](std::string_view) { ++callbacks; };
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  guard.cancel();
  int seen = callbacks;
  guard.set_limit(1);  // ignored: guarding has ended
  guard.cancel();      // idempotent
  EXPECT_FALSE(guard.running());
  EXPECT_FALSE(child.process().wait_for(300ms));
  EXPECT_EQ(callbacks, seen);
  EXPECT_EQ(guard.stats().breaches, 0u);
  EXPECT_FALSE(guard.first_breach().get()) << "the future is ready, without a breach";
}

TEST(MemoryGuardCancel, CancelFromTheBreachCallbackStopsTheKill) {
  auto child = ReadyChild::testproc({"ignore-term"});
  GuardOptions options;
  options.metric = GuardMetric::rss;
  options.limit = 1;
  options.grace = 100ms;
  MemoryGuard* self = nullptr;
  std::atomic<bool> ready{false};
  options.on_breach = [&](const GuardBreach&) {
    while (!ready) std::this_thread::yield();
    self->cancel();  // only asks: the guard ends when this returns
  };
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  self = &guard;
  ready = true;
  auto result = guard.wait(30s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, GuardEnd::cancelled);
  EXPECT_FALSE(child.process().wait_for(options.grace * 5)) << "no SIGKILL after cancel";
}

TEST(MemoryGuardPidReuse, ATargetThatExitsEndsTheGuardAndNothingIsSignalled) {
  Process target = test::spawn_testproc({"sleep", "600"});
  GuardOptions options;
  options.metric = GuardMetric::rss;
  MemoryGuard guard(GuardTarget::process(target), options);  // no limit yet
  ASSERT_TRUE(target.signal(SIGKILL));
  target.wait();  // reaped: the pid is free for anyone now
  // A bystander, maybe with the recycled pid; it prints every signal it receives.
  auto bystander = ReadyChild::testproc({"signals"});
  auto result = guard.wait(30s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, GuardEnd::gone);
  guard.set_limit(1);  // would breach anything that ran: ignored, the target is gone
  EXPECT_FALSE(guard.wait_breach(200ms));
  ASSERT_TRUE(bystander.process().signal(SIGUSR2));
  bystander.wait_for_line(strsignal(SIGUSR2));
  bystander.process().wait();
  EXPECT_EQ(bystander.lines(), (std::vector<std::string>{"ready", strsignal(SIGUSR2)}))
      << "the bystander received a signal before ours";
  pollfd p{guard.end_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 1) << "end_fd is readable once guarding has ended";
}

TEST(MemoryGuardGate, FarUnderThePssLimitThereIsNoPageWalk) {
  auto child = ReadyChild::testproc({"memhog", "256"});  // small enough for a 1 GiB VM guest
  GuardOptions options;
  options.limit = 1024 * kMiB;
  options.interval = 5ms;
  LogCounter log;
  options.logger = log.logger();
  options.stats_interval = 1ns;
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  ASSERT_TRUE(log.wait_for(50));
  auto stats = guard.stats();
  EXPECT_GE(stats.samples, 50u);
  EXPECT_EQ(stats.walks, 0u) << "RSS (" << stats.rss.value_or(0) / kMiB << " MiB) is far under the limit";
  EXPECT_GE(stats.rss.value_or(0), 256 * kMiB);
  EXPECT_FALSE(stats.current) << "PSS was never measured";
}

TEST(MemoryGuardGate, NearThePssLimitThePagesAreWalked) {
  auto child = ReadyChild::testproc({"memhog", "256"});
  GuardOptions options;
  options.limit = 275 * kMiB;  // RSS ≥ 90% of it: the gate is open, PSS stays under
  options.interval = 5ms;
  LogCounter log;
  options.logger = log.logger();
  options.stats_interval = 1ns;
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  ASSERT_TRUE(log.wait_for(20));
  auto stats = guard.stats();
  EXPECT_GT(stats.walks, 0u);
  EXPECT_LT(stats.walks, stats.samples) << "walk spacing: a walk of a few ms waits ten times as long for the next";
  ASSERT_TRUE(stats.current);
  EXPECT_GE(*stats.current, 256 * kMiB);
  EXPECT_LE(*stats.current, *stats.rss + kMiB);
  EXPECT_EQ(stats.breaches, 0u);
}

TEST(MemoryGuard, WaitsAndFutureSeeTheSameBreach) {
  auto child = ReadyChild::testproc({"memhog", "16"});
  GuardOptions options;
  options.metric = GuardMetric::rss;
  options.limit = 8 * kMiB;
  std::promise<GuardBreach> told;
  options.on_breach = [&](const GuardBreach& b) { told.set_value(b); };
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  auto future = guard.first_breach();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  auto from_future = future.get();
  auto from_wait = guard.wait_breach(0s);
  auto from_callback = told.get_future().get();
  ASSERT_TRUE(from_future && from_wait);
  EXPECT_EQ(from_future->time, from_wait->time);
  EXPECT_EQ(from_callback.time, from_wait->time);
  EXPECT_EQ(from_wait->name, guard.stats().name);
  auto result = guard.wait(30s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, GuardEnd::killed);
}

TEST(MemoryGuard, WaitFromACallbackIsRefused) {
  auto child = ReadyChild::testproc({"memhog", "8"});
  GuardOptions options;
  options.metric = GuardMetric::rss;
  options.limit = 1;
  options.action = GuardAction::report;
  MemoryGuard* self = nullptr;
  std::atomic<bool> ready{false};
  std::promise<int> refused;
  options.on_breach = [&](const GuardBreach&) {
    while (!ready) std::this_thread::yield();
    try {
      self->wait();
      refused.set_value(0);
    } catch (const Error& e) {
      refused.set_value(e.errno_value());
    }
  };
  MemoryGuard guard(GuardTarget::process(child.process()), options);
  self = &guard;
  ready = true;
  EXPECT_EQ(refused.get_future().get(), EDEADLK);
}

}  // namespace
}  // namespace reins
