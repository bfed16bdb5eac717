// What the test suites of the systems reins stands in for ask of its library, where reins once had no answer
// (docs/peers.md lists every call of theirs and reins' counterpart): athena's MemoryGuard.PSS() and
// StatsFrequency, memctl's Headroom(), CPython's resource.prlimit returning the old limits and struct_rusage's
// 16 fields.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>

#include "reins/error.hpp"
#include "reins/guard.hpp"
#include "reins/memory.hpp"
#include "reins/process.hpp"
#include "reins/rlimit.hpp"
#include "reins/rusage.hpp"
#include "reins/sampler.hpp"
#include "support/guard_support.hpp"
#include "support/ready_child.hpp"
#include "support/support.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

using test::kMiB;
using test::LogCounter;
using test::ReadyChild;

// The Pss: line of /proc/PID/smaps_rollup, read here rather than through reins, in bytes.
std::uint64_t smaps_rollup_pss(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string key;
  std::uint64_t kib = 0;
  while (in >> key) {
    if (key == "Pss:" && in >> kib) return kib * 1024;
    in.ignore(1 << 20, '\n');
  }
  ADD_FAILURE() << "no Pss: line in /proc/" << pid << "/smaps_rollup";
  return 0;
}

GuardOptions far_below_the_limit() {
  GuardOptions o;
  o.limit = 64ull << 30;  // 64 GiB: the RSS gate stays shut, the guard never walks on its own
  o.action = GuardAction::report;
  o.interval = 1h;  // one sample, at the start
  return o;
}

TEST(AthenaPss, FarBelowTheLimitEveryCallIsAnsweredWithinFivePercentOfSmapsRollup) {
  auto child = ReadyChild::testproc({"memhog", "48"});
  MemoryGuard guard(GuardTarget::process(child.process()), far_below_the_limit());
  // Negative control: the guard's own samples never measured PSS this far below the limit.
  EXPECT_FALSE(guard.stats().current) << "no walk under the gate";
  for (int i = 0; i < 20; ++i) {
    auto pss = guard.pss(0ns);  // nothing is fresh enough: measured on demand every time
    ASSERT_TRUE(pss) << "call " << i;
    const double truth = static_cast<double>(smaps_rollup_pss(child.pid()));
    EXPECT_NEAR(static_cast<double>(*pss), truth, truth * 0.05) << "call " << i;
    EXPECT_GT(*pss, 40 * kMiB) << "the 48 MiB it touched";
  }
  EXPECT_EQ(guard.stats().walks, 20u) << "one walk per call";
  EXPECT_TRUE(guard.stats().current) << "an on-demand PSS is the guard's latest measurement too";
  // Fresh enough (within an interval, here an hour): the last value, with no walk.
  EXPECT_TRUE(guard.pss());
  EXPECT_EQ(guard.stats().walks, 20u);
}

TEST(AthenaPss, RssAndUssAndTheirOrderAreAnsweredToo) {
  auto child = ReadyChild::testproc({"memhog", "32"});
  MemoryGuard guard(GuardTarget::process(child.process()), far_below_the_limit());
  auto rss = guard.rss(0ns), pss = guard.pss(0ns), uss = guard.uss(0ns);
  ASSERT_TRUE(rss && pss && uss);
  EXPECT_LE(*uss, *pss);
  EXPECT_LE(*pss, *rss);
  EXPECT_GT(*uss, 30 * kMiB);
}

TEST(AthenaPss, AnOnDemandMeasurementOverTheLimitIsABreach) {
  // A child that grows only when told, keeping its pid: sh execs the hog.
  ReadyChild child({"/bin/sh", "-c", std::string("echo ready; read go; exec ") + test::testproc() + " memhog 64"});
  GuardOptions o = far_below_the_limit();
  o.limit = 40 * kMiB;
  o.gate_margin = 0;
  LogCounter log;
  o.logger = log.logger();
  o.stats_interval = 1ns;  // a line after the one sample the guard takes (its interval is an hour)
  MemoryGuard guard(GuardTarget::process(child.process()), o);
  ASSERT_TRUE(log.wait_for(1));
  child.send_line("go");
  child.wait_for_line("ready");
  EXPECT_FALSE(guard.wait_breach(0s)) << "negative control: no sample since it grew";
  auto pss = guard.pss(0ns);
  ASSERT_TRUE(pss);
  EXPECT_GT(*pss, 40 * kMiB);
  auto breach = guard.wait_breach(0s);
  ASSERT_TRUE(breach) << "the measurement asked for was checked against the limit";
  EXPECT_EQ(breach->value, *pss);
  EXPECT_EQ(guard.stats().samples, 1u);
}

TEST(AthenaPss, AfterTheEndTheLastValueAndFromACallbackEdeadlk) {
  auto child = ReadyChild::testproc({"memhog", "16"});
  GuardOptions o = far_below_the_limit();
  std::optional<int> callback_errno;
  o.on_stats = [&](const GuardStats&) {};
  o.decide = [&](const GuardBreach&) { return GuardAction::report; };
  MemoryGuard guard(GuardTarget::process(child.process()), o);
  auto measured = guard.pss(0ns);
  ASSERT_TRUE(measured);
  EXPECT_THROW(guard.measure(GuardMetric::cgroup), InvalidArgument) << "a process has no cgroup charge";
  child.process().signal(SIGKILL);
  child.process().wait();
  ASSERT_TRUE(guard.wait(30s));
  EXPECT_EQ(guard.pss(0ns), measured) << "once ended: the last value measured";
  EXPECT_EQ(guard.uss(0ns), std::nullopt) << "never measured";

  auto other = ReadyChild::testproc({"memhog", "8"});
  GuardOptions c = far_below_the_limit();
  MemoryGuard* self = nullptr;
  std::mutex m;
  std::condition_variable cv;
  bool called = false;
  c.stats_interval = 1ns;
  c.on_stats = [&](const GuardStats&) {
    std::lock_guard lock(m);
    if (called || !self) return;
    try {
      self->pss(0ns);
    } catch (const Error& e) {
      callback_errno = e.errno_value();
    }
    called = true;
    cv.notify_all();
  };
  std::unique_lock lock(m);
  MemoryGuard g(GuardTarget::process(other.process()), c);
  self = &g;
  lock.unlock();
  g.set_limit(1ull << 40);  // a sample now, whose statistics call the callback
  lock.lock();
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return called; }));
  EXPECT_EQ(callback_errno, EDEADLK);
}

TEST(AthenaStatsFrequency, StatisticsReachTheCallbackAtTheChosenFrequency) {
  auto child = ReadyChild::testproc({"memhog", "8"});
  GuardOptions o = far_below_the_limit();
  o.interval = 10ms;
  o.stats_interval = 1ns;  // at every sample
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::uint64_t> samples;
  o.on_stats = [&](const GuardStats& s) {
    std::lock_guard lock(m);
    samples.push_back(s.samples);
    cv.notify_all();
  };
  MemoryGuard guard(GuardTarget::process(child.process()), o);
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return samples.size() >= 3; }));
  EXPECT_LT(samples[0], samples[1]);
  EXPECT_LT(samples[1], samples[2]);
  EXPECT_GT(samples.back(), 0u);
}

TEST(AthenaStatsFrequency, NoStatisticsBeforeTheirTime) {
  auto child = ReadyChild::testproc({"memhog", "8"});
  GuardOptions o = far_below_the_limit();
  o.interval = 1ms;
  o.stats_interval = 1h;
  std::atomic<int> calls{0};
  o.on_stats = [&](const GuardStats&) { ++calls; };
  std::atomic<int> lines{0};
  o.logger = [&](std::string_view) { ++lines; };
  MemoryGuard guard(GuardTarget::process(child.process()), o);
  // Each answer waits for the guard's thread, so samples go by meanwhile.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (guard.stats().samples < 20 && std::chrono::steady_clock::now() < deadline) ASSERT_TRUE(guard.rss(0ns));
  EXPECT_GE(guard.stats().samples, 20u);
  EXPECT_EQ(calls, 0) << "an hour has not passed";
  EXPECT_EQ(lines, 0);
}

TEST(MemctlHeadroom, IsTheCgroupsLeftAtMostTheSystemsAvailableElseTheAvailable) {
  SystemMemory system;
  system.available = 1000 * kMiB;
  EXPECT_EQ(memory_headroom(nullptr, system), 1000 * kMiB) << "no cgroup: the available memory";
  CgroupMemory unlimited;
  EXPECT_EQ(memory_headroom(&unlimited, system), 1000 * kMiB) << "no limit above: the available memory";
  CgroupMemory limited;
  limited.headroom = 100 * kMiB;
  EXPECT_EQ(memory_headroom(&limited, system), 100 * kMiB) << "limit − usage";
  limited.headroom = 5000 * kMiB;
  EXPECT_EQ(memory_headroom(&limited, system), 1000 * kMiB) << "a limit above what the machine has left";
  limited.headroom = 0;
  EXPECT_EQ(memory_headroom(&limited, system), 0u) << "at the limit: none left, a known 0";
  EXPECT_EQ(memory_headroom(nullptr, SystemMemory{}), std::nullopt) << "unknown is not 0";
  EXPECT_EQ(memory_headroom(&limited, SystemMemory{}), 0u);
}

TEST(MemctlHeadroom, TheSamplersSampleCarriesIt) {
  SampleTargets t;
  t.system = true;
  t.own_cgroup = true;
  MemorySample s = sample_memory(t);
  ASSERT_TRUE(s.system && s.system->available);
  ASSERT_TRUE(s.headroom);
  EXPECT_EQ(s.headroom, memory_headroom(s.own_cgroup ? &*s.own_cgroup : nullptr, *s.system));
  EXPECT_LE(*s.headroom, *s.system->available);
  SampleTargets none;
  none.self = true;
  EXPECT_FALSE(sample_memory(none).headroom) << "neither the system nor a cgroup was read";
}

TEST(CpythonResource, PrlimitReturnsTheOldLimitsInTheSameCall) {
  auto child = ReadyChild::testproc({"memhog", "1"});
  const Rlimit before = get_rlimit(Resource::nofile, child.pid());
  const Rlimit first{RlimitValue(100), RlimitValue(200)};
  EXPECT_EQ(set_rlimit(Resource::nofile, first, child.pid()), before);
  EXPECT_EQ(set_rlimit(Resource::nofile, {RlimitValue(50), RlimitValue(200)}, child.pid()), first);
  EXPECT_EQ(get_rlimit(Resource::nofile, child.pid()), (Rlimit{RlimitValue(50), RlimitValue(200)}));
  // And on ourselves (pid 0), as resource.setrlimit + getrlimit, restored after.
  const Rlimit own = get_rlimit(Resource::core);
  const Rlimit zero{RlimitValue(0), own.hard};
  EXPECT_EQ(set_rlimit(Resource::core, zero), own);
  EXPECT_EQ(set_rlimit(Resource::core, own), zero);
  child.process().signal(SIGKILL);
  child.process().wait();
}

TEST(CpythonResource, StructRusageHasAllSixteenFields) {
  ::rusage native{};
  native.ru_ixrss = 1;
  native.ru_idrss = 2;
  native.ru_isrss = 3;
  native.ru_nswap = 4;
  Rusage r = Rusage::from_native(native);
  // Sixteen members or this does not compile.
  auto [utime, stime, maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals,
        nvcsw, nivcsw] = r;
  EXPECT_EQ(ixrss, 1);
  EXPECT_EQ(idrss, 2);
  EXPECT_EQ(isrss, 3);
  EXPECT_EQ(nswap, 4);
  (void)utime, (void)stime, (void)maxrss, (void)minflt, (void)majflt, (void)inblock, (void)oublock, (void)msgsnd,
      (void)msgrcv, (void)nsignals, (void)nvcsw, (void)nivcsw;
}

TEST(CpythonResource, AResourceOutOfRangeIsAnErrorNotUndefinedBehaviour) {
  EXPECT_THROW(get_rlimit(static_cast<Resource>(99)), InvalidArgument);
  EXPECT_THROW(set_rlimit(static_cast<Resource>(-1), {RlimitValue(1), RlimitValue(1)}), InvalidArgument);
}

}  // namespace
}  // namespace reins
