// Limits on the real kernel: the memory limit ends a hog through the OOM killer, the pids limit stops a fork
// bomb, the CPU quota throttles a busy loop, and every limit reads back as written.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cgroup/child.hpp"
#include "cgroup/fixture.hpp"
#include "reins/job.hpp"

using namespace std::chrono_literals;

namespace reins::test {
namespace {

class JobLimitsTest : public JobTest {};

bool has_event(const std::vector<JobEvent>& events, JobEventKind kind) {
  return std::any_of(events.begin(), events.end(), [&](const JobEvent& e) { return e.kind == kind; });
}

// Collects events until one of `kind` arrives or `timeout` passes.
std::vector<JobEvent> events_until(Job& job, JobEventKind kind, std::chrono::nanoseconds timeout) {
  std::vector<JobEvent> all;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!has_event(all, kind)) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= 0ns) break;
    auto got = job.wait_events(left);
    all.insert(all.end(), got.begin(), got.end());
  }
  return all;
}

TEST_P(JobLimitsTest, MemoryLimitEndsAHogThroughTheOomKiller) {
  JobLimits l;
  l.memory_max = SizeLimit{64ull << 20};
  l.swap_max = SizeLimit{0};
  Job job = Job::create(job_name(), options(l));
  job.event_fd();  // start watching before anything runs
  Command c;
  c.argv = {testproc(), "memhog", "200"};
  Process p = job.spawn(c);
  auto r = p.wait();
  ASSERT_TRUE(r.status.signaled()) << r.status.describe();
  EXPECT_EQ(r.status.signal(), SIGKILL);
  auto events = events_until(job, JobEventKind::oom_kill, 2s);
  EXPECT_TRUE(has_event(events, JobEventKind::oom_kill));
  auto more = job.read_events();
  events.insert(events.end(), more.begin(), more.end());
  EXPECT_TRUE(has_event(events, JobEventKind::memory_limit));
  auto stats = job.stats();
  ASSERT_TRUE(stats.memory.has_value());
  EXPECT_GE(stats.memory->oom_kills, 1u);
  EXPECT_GE(stats.memory->limit_hits, 1u);
  ASSERT_TRUE(stats.memory->peak.has_value());
  EXPECT_LE(*stats.memory->peak, (64ull << 20) + 256 * 1024);
  EXPECT_GE(*stats.memory->peak, 32ull << 20);
}

TEST_P(JobLimitsTest, PidsLimitStopsAForkBomb) {
  JobLimits l;
  l.pids_max = SizeLimit{32};
  Job job = Job::create(job_name(), options(l));
  job.event_fd();
  auto bomb = spawn_ready(job, {"forkbomb", "30"});
  EXPECT_NE(bomb.before.find("refused"), std::string::npos) << bomb.before;
  auto stats = job.stats();
  ASSERT_TRUE(stats.pids.has_value());
  EXPECT_LE(stats.pids->current.value_or(99), 32u);
  if (stats.pids->peak) {
    EXPECT_LE(*stats.pids->peak, 32u);
  }
  EXPECT_GE(stats.pids->limit_hits, 1u);
  EXPECT_TRUE(has_event(events_until(job, JobEventKind::pids_limit, 2s), JobEventKind::pids_limit));
  job.terminate();
  EXPECT_TRUE(job.pids().empty());
  bomb.process.wait();
}

TEST_P(JobLimitsTest, CpuQuotaThrottlesABusyLoop) {
  JobLimits l;
  l.cpu_quota = CpuQuota::cpus(0.2);
  Job job = Job::create(job_name(), options(l));
  Command c;
  c.argv = {testproc(), "spin", "2"};
  Process p = job.spawn(c);
  EXPECT_EQ(p.wait().status.exit_code(), 0);
  auto stats = job.stats();
  double used = std::chrono::duration<double>(stats.cpu.usage).count();
  EXPECT_NEAR(used, 0.4, 0.4 * 0.3) << "CPU time of a 2 s busy loop at 0.2 CPUs";
  ASSERT_TRUE(stats.cpu.throttled_periods.has_value());
  EXPECT_GT(*stats.cpu.throttled_periods, 5u);
  ASSERT_TRUE(stats.cpu.throttled.has_value());
  EXPECT_GT(*stats.cpu.throttled, 500ms);
}

TEST_P(JobLimitsTest, LimitsReadBackAsWritten) {
  auto disk = test_disk();
  if (!disk) GTEST_SKIP() << "no whole disk in /sys/block for the I/O limits";
  JobLimits l;
  l.memory_max = SizeLimit{100ull << 20};
  l.swap_max = SizeLimit{8ull << 20};
  l.cpu_quota = CpuQuota::cpus(1.5);
  l.cpu_weight = 250;
  l.cpuset_cpus = "0";
  l.pids_max = SizeLimit{50};
  l.io.push_back({disk->major, disk->minor, IoLimitKind::read_bps, 10'000'000});
  l.io.push_back({disk->major, disk->minor, IoLimitKind::write_iops, 120});
  Job job = Job::create(job_name(), options(l));
  JobLimits got = job.limits();
  EXPECT_EQ(got.memory_max, l.memory_max);
  EXPECT_EQ(got.swap_max, l.swap_max);
  EXPECT_EQ(got.cpu_quota, l.cpu_quota);
  EXPECT_EQ(got.cpu_weight, l.cpu_weight);  // 250 → 2560 shares → 250 on v1
  EXPECT_EQ(got.cpuset_cpus, l.cpuset_cpus);
  EXPECT_EQ(got.pids_max, l.pids_max);
  std::sort(got.io.begin(), got.io.end(), [](auto& a, auto& b) { return a.kind < b.kind; });
  EXPECT_EQ(got.io, l.io);
  // Raising the memory limit keeps the swap allowance (v1 stores memory+swap together).
  JobLimits more;
  more.memory_max = SizeLimit{200ull << 20};
  job.set_limits(more);
  EXPECT_EQ(job.limits().memory_max, more.memory_max);
  EXPECT_EQ(job.limits().swap_max, l.swap_max);
  // Lifting limits.
  JobLimits none;
  none.memory_max = SizeLimit{};
  none.swap_max = SizeLimit{};
  none.pids_max = SizeLimit{};
  none.cpu_quota = CpuQuota{};
  job.set_limits(none);
  const std::optional<SizeLimit> unlimited(SizeLimit{});
  EXPECT_EQ(job.limits().memory_max, unlimited);
  EXPECT_EQ(job.limits().pids_max, unlimited);
  EXPECT_EQ(job.limits().cpu_quota->quota, std::nullopt);
}

TEST_P(JobLimitsTest, CpusetLimitsTheAffinityOfMembers) {
  JobLimits l;
  l.cpuset_cpus = "1";
  Job job = Job::create(job_name(), options(l));
  auto child = spawn_ready(job, {"spin", "30"});
  std::string status = test::read_text_file("/proc/" + std::to_string(child.process.pid()) + "/status");
  EXPECT_NE(status.find("Cpus_allowed_list:\t1\n"), std::string::npos) << status;
}

TEST_P(JobLimitsTest, SettingANewLimitLaterBringsTheMembersAlong) {
  Job job = Job::create(job_name(), options());
  auto child = spawn_ready(job, {"spin", "30"});
  JobLimits l;
  l.pids_max = SizeLimit{10};
  job.set_limits(l);
  auto stats = job.stats();
  ASSERT_TRUE(stats.pids.has_value());
  EXPECT_EQ(stats.pids->current, 1u) << "the member was not moved into the new pids cgroup";
  EXPECT_EQ(job.limits().pids_max, SizeLimit{10});
}

TEST_P(JobLimitsTest, AMemoryLimitBelowUsageIsRefusedNamingTheLimit) {
  Job job = Job::create(job_name(), options({}, {true, false, false, false}));
  auto hog = spawn_ready(job, {"memhog", "40"});
  JobLimits l;
  l.memory_max = SizeLimit{1ull << 20};
  try {
    job.set_limits(l);
    // v2 reclaims and OOM-kills instead of refusing; v1 refuses with EBUSY.
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EBUSY) << e.what();
    EXPECT_NE(std::string(e.what()).find("MemoryMax"), std::string::npos) << e.what();
  }
}

TEST_P(JobLimitsTest, ALimitTheLayoutLacksIsAnErrorUnlessBestEffort) {
  JobLimits l;
  l.memory_high = SizeLimit{64ull << 20};
  JobOptions o = options(l);
  if (layout()->mode() == CgroupMode::v2) {  // memory on cgroup v2: MemoryHigh= exists and reads back
    Job job = Job::create(job_name(), o);
    EXPECT_EQ(job.limits().memory_high, l.memory_high);
    return;
  }
  try {  // memory on cgroup v1 (here and on the v1 lane): refused, naming the limit and where it exists
    Job::create(job_name(), o);
    ADD_FAILURE() << "MemoryHigh= accepted on a " << cgroup_mode_name(layout()->mode()) << " layout";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ENOTSUP);
    EXPECT_NE(std::string(e.what()).find("MemoryHigh"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cgroup v2"), std::string::npos) << e.what();
  }
  o.best_effort = true;
  Job job = Job::create(job_name(), o);
  ASSERT_EQ(job.skipped().size(), 1u);
  EXPECT_EQ(job.skipped()[0].property, "MemoryHigh");
  EXPECT_NE(job.skipped()[0].reason.find("MemoryHigh="), std::string::npos) << job.skipped()[0].reason;
}

TEST_P(JobLimitsTest, TerminateLeavesNoMemberWhileMembersFork) {
  JobLimits l;
  l.pids_max = SizeLimit{400};
  Job job = Job::create(job_name(), options(l));
  auto bomb = spawn_ready(job, {"forkbomb", "30"});
  EXPECT_GT(job.pids().size(), 100u);
  job.terminate();
  EXPECT_TRUE(job.pids().empty());
  EXPECT_FALSE(job.populated());
  bomb.process.wait();
  job.remove();
}

REINS_INSTANTIATE_LAYOUTS(JobLimitsTest);

}  // namespace
}  // namespace reins::test
