// Memory readers against real processes: growth, sharing, trees, exits mid-read, kernel threads, exec.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>

#include "reins/memory.hpp"
#include "reins/process.hpp"
#include "reins/sampler.hpp"
#include "support/ready_child.hpp"
#include "support/spawned.hpp"
#include "support/support.hpp"
#include "sys/file_io.hpp"

namespace reins {
namespace {

using test::ReadyChild;
constexpr double MiB = 1024.0 * 1024.0;
constexpr MemorySources kAll{.statm = true, .status = true, .smaps_rollup = true};

double mib(const MaybeBytes& v) { return static_cast<double>(v.value()) / MiB; }

// Kills a process we did not start ourselves (a grandchild) when the test ends, however it ends.
// Within ±5% of `expected` MiB.
void expect_near_mib(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, expected * 0.05) << what;
}

TEST(ProcessMemoryLive, PssAndRssRiseByWhatTheChildTouches) {
  constexpr double kGrowth = 256;
  auto child = ReadyChild::testproc({"grow", "256", "0", "256"});  // "ready", then touches 256 MiB
  ProcessMemoryReader reader(child.process());
  auto before = reader.read(kAll);
  ASSERT_EQ(before.first_error(), 0);
  child.wait_for_line("allocated 256");
  auto after = reader.read(kAll);
  auto one_shot = read_process_memory(child.pid(), kAll);
  ASSERT_EQ(after.first_error(), 0);
  expect_near_mib(mib(after.pss) - mib(before.pss), kGrowth, "PSS");
  expect_near_mib(mib(after.rss) - mib(before.rss), kGrowth, "RSS");
  expect_near_mib(mib(after.uss) - mib(before.uss), kGrowth, "USS");
  expect_near_mib(mib(one_shot.pss) - mib(before.pss), kGrowth, "PSS read by pid");
  EXPECT_LE(*after.uss, *after.pss);
  EXPECT_LE(*after.pss, *after.rss);
  EXPECT_GE(*after.vm_hwm, *after.rss - (1u << 20)) << "VmHWM is the peak of VmRSS";
}

TEST(ProcessMemoryLive, TwoProcessesSharingAMappingGetHalfOfItEach) {
  constexpr double kShared = 128;
  auto parent = ReadyChild::testproc({"share", "128"});
  ASSERT_EQ(parent.lines().front().rfind("child ", 0), 0u);
  pid_t child = std::stoi(parent.lines().front().substr(6));
  for (pid_t pid : {parent.pid(), child}) {
    auto m = read_process_memory(pid, kAll);
    ASSERT_EQ(m.first_error(), 0) << pid;
    expect_near_mib(mib(m.pss_shmem), kShared / 2, "Pss_Shmem of each");
    expect_near_mib(mib(m.rss_shmem), kShared, "RssShmem counts the shared pages in full");
  }
  auto tree = read_tree_memory(parent.pid(), kAll);
  ASSERT_EQ(tree.processes.size(), 2u);
  EXPECT_EQ(tree.processes[0].pid, parent.pid());
  EXPECT_EQ(tree.processes[1].pid, child);
  EXPECT_EQ(tree.unreadable, 0u);
  expect_near_mib(mib(tree.total.pss_shmem), kShared, "the tree's PSS counts the mapping once");
  expect_near_mib(mib(tree.total.rss_shmem), 2 * kShared, "the tree's RSS counts it twice");
}

TEST(ProcessTreeLive, FindsChildrenAndGrandchildren) {
  auto shell = ReadyChild({"/bin/sh", "-c", std::string(test::testproc()) + " children 5 & wait"});
  auto descendants = process_descendants(shell.pid());
  ASSERT_FALSE(descendants.empty());
  test::KillOnExit testproc(descendants.front());  // its children die with it
  ASSERT_EQ(descendants.size(), 6u) << "testproc and its 5 children";
  auto tree = read_tree_memory(shell.pid(), {.statm = true});
  EXPECT_EQ(tree.processes.size(), 7u);
  EXPECT_EQ(tree.unreadable, 0u);
  ASSERT_TRUE(tree.total.rss);
  std::uint64_t sum = 0;
  for (const auto& p : tree.processes) sum += p.rss.value();
  EXPECT_EQ(*tree.total.rss, sum);
  EXPECT_FALSE(tree.total.pss) << "not asked for: unknown, not 0";
}

TEST(ProcessTreeLive, FindsEveryChildWhenTheirListIsLongerThanOneRead) {
  // 1000 pids of 5+ digits fill more than the 4 KiB procfs hands out per read of a many-record file.
  auto parent = ReadyChild::testproc({"children", "1000"});
  EXPECT_EQ(process_descendants(parent.pid()).size(), 1000u);
}

TEST(ProcessMemoryLive, AProcessThatExitsGivesUnknownNotAnException) {
  auto child = ReadyChild::testproc({"memhog", "16"});
  ProcessMemoryReader reader(child.process());
  ASSERT_TRUE(reader.read(kAll).rss);
  ASSERT_TRUE(child.process().signal(SIGKILL));
  child.process().wait_exit();  // a zombie now: no memory map
  auto zombie = reader.read(kAll);
  EXPECT_TRUE(zombie.gone());
  EXPECT_FALSE(zombie.rss);
  EXPECT_FALSE(zombie.pss);
  EXPECT_EQ(zombie.smaps_rollup_error, ESRCH);
  EXPECT_EQ(zombie.statm_error, ESRCH);
  pid_t pid = child.pid();
  child.process().wait();
  auto reaped = reader.read(kAll);
  EXPECT_TRUE(reaped.gone());
  EXPECT_FALSE(reaped.rss);
  auto by_pid = read_process_memory(pid, kAll);
  EXPECT_TRUE(by_pid.gone());
  EXPECT_FALSE(by_pid.pss);
}

TEST(ProcessMemoryLive, AKernelThreadIsUnknown) {
  std::string status = sys::read_file(AT_FDCWD, "/proc/2/status").value_or_none().value_or("");
  if (status.find("Kthread:\t1") == std::string::npos)
    GTEST_SKIP() << "pid 2 is not a kernel thread here (a PID namespace without kthreadd)";
  auto m = read_process_memory(2, kAll);
  EXPECT_EQ(m.smaps_rollup_error, ESRCH);
  EXPECT_EQ(m.status_error, ESRCH);
  EXPECT_EQ(m.statm_error, ESRCH);
  for (const auto& metric : process_memory_metrics()) EXPECT_FALSE(m.*metric.member) << metric.name;
  auto tree = read_tree_memory(2, {.smaps_rollup = true});
  EXPECT_GE(tree.unreadable, 1u);
}

TEST(ProcessMemoryLive, AHeldReaderFollowsTheProcessThroughExec) {
  std::string exec_hog = "echo ready; read line; exec " + std::string(test::testproc()) + " memhog 64";
  auto shell = ReadyChild({"/bin/sh", "-c", exec_hog});
  ProcessMemoryReader reader(shell.process());
  auto before = reader.read({.smaps_rollup = true});
  ASSERT_EQ(before.smaps_rollup_error, 0);
  ASSERT_LT(mib(before.pss), 32);
  shell.send_line("go");
  shell.wait_for_line("ready");
  auto after = reader.read({.smaps_rollup = true});
  ASSERT_EQ(after.smaps_rollup_error, 0) << "the held fd saw the old memory map; the reader reopens it";
  EXPECT_GT(mib(after.pss), 64);
}

TEST(ProcessMemoryLive, AReaderOfAProcessAlreadyGoneReportsIt) {
  auto child = test::spawn_testproc({"exit", "0"});
  child.wait();
  ProcessMemoryReader reader(child);
  auto m = reader.read(kAll);
  EXPECT_TRUE(m.gone());
  EXPECT_FALSE(m.rss);
}

TEST(SamplerLive, AWatchedProcessThatExitsBecomesUnknownAndSamplingGoesOn) {
  auto child = ReadyChild::testproc({"memhog", "8"});
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<MemorySample> samples;
  SamplerOptions options;
  options.interval = std::chrono::milliseconds(5);
  options.immediate = true;
  options.targets.processes = {child.pid()};
  Sampler sampler(options, [&](const MemorySample& s) {
    std::lock_guard lock(mutex);
    samples.push_back(s);
    changed.notify_all();
  });
  auto wait_until = [&](auto done) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(30), [&] { return done(samples); });
  };
  ASSERT_TRUE(wait_until([](const auto& s) { return !s.empty(); }));
  child.process().signal(SIGKILL);
  child.process().wait();
  ASSERT_TRUE(wait_until([](const auto& s) { return s.back().processes.at(0).gone(); }));
  EXPECT_NO_THROW(sampler.stop());
  std::lock_guard lock(mutex);
  EXPECT_TRUE(samples.front().processes.at(0).rss);
  EXPECT_FALSE(samples.back().processes.at(0).rss);
}

TEST(CgroupMemoryLive, FindsAndReadsOurOwnMemoryCgroup) {
  auto dir = own_memory_cgroup_dir();
  if (!dir) GTEST_SKIP() << "no memory controller mounted";
  auto m = read_own_cgroup_memory();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->error, 0) << *dir;
  ASSERT_TRUE(m->current) << *dir << ": the root of a v2 hierarchy has no memory.current";
  EXPECT_GT(*m->current, 0u);
  EXPECT_TRUE(m->max);
  EXPECT_TRUE(m->stat.anon);
}

TEST(SystemMemoryLive, ReadsMeminfoAndPressure) {
  auto s = read_system_memory();
  ASSERT_TRUE(s.total && s.available);
  EXPECT_LE(*s.available, *s.total);
  if (::access("/proc/pressure/memory", R_OK) != 0) GTEST_SKIP() << "no PSI in this kernel";
  auto p = read_memory_pressure();
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->some);
}

}  // namespace
}  // namespace reins
