// A memory guard on a job: PSS summed over the cgroup's members kills every member; the cgroup metric is
// woken by the kernel at the limit (v1 usage threshold) without waiting for a tick; the cgroup metric needs
// the memory controller.
#include <signal.h>
#include <unistd.h>

#include "cgroup/child.hpp"
#include "cgroup/fixture.hpp"
#include "reins/guard.hpp"
#include "reins/job.hpp"

using namespace std::chrono_literals;

namespace reins::test {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

class MemoryGuardJob : public JobTest {};

TEST_P(MemoryGuardJob, PssOverTheJobKillsEveryMember) {
  Job job = Job::create(job_name(), options());
  auto parent = spawn_ready(job, {"parent", "grow", "50", "100", "1000"});
  ASSERT_EQ(job.pids().size(), 2u) << "the parent and its growing child";
  GuardOptions o;
  o.limit = 150 * kMiB;
  MemoryGuard guard(GuardTarget::job(job), o);
  auto result = guard.wait(60s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, GuardEnd::killed);
  ASSERT_TRUE(result->breach);
  EXPECT_EQ(result->breach->pid, 0) << "a job's sum names no single process";
  EXPECT_EQ(result->breach->processes, 2u);
  EXPECT_EQ(result->breach->signalled, 2u);
  EXPECT_NE(result->breach->name.find(job.name()), std::string::npos) << result->breach->name;
  EXPECT_TRUE(parent.process.wait().status.signaled());
  EXPECT_TRUE(job.wait_empty(5s));
}

TEST_P(MemoryGuardJob, TheChargeThresholdWakesTheGuardBetweenTicks) {
  Job job = Job::create(job_name(), options({}, {.memory = true}));
  if (!job.memory_threshold_fd(1ull << 40)) GTEST_SKIP() << "no v1 memory controller: no usage threshold";
  auto child = spawn_ready(job, {"grow", "20", "50", "400"});
  GuardOptions o;
  o.metric = GuardMetric::cgroup;
  o.limit = 100 * kMiB;
  o.action = GuardAction::report;
  o.interval = 1h;  // the first sample, then none for an hour: a breach must come from the kernel's wake-up
  MemoryGuard guard(GuardTarget::job(job), o);
  auto breach = guard.wait_breach(60s);
  ASSERT_TRUE(breach) << "no wake-up at the threshold; " << guard.stats().describe() << "; charge now "
                      << job.memory_current().value_or(0) / kMiB << " MiB";
  EXPECT_GE(breach->value, 100 * kMiB);
  EXPECT_EQ(breach->metric, GuardMetric::cgroup);
  EXPECT_LT(breach->value, 100 * kMiB + 20 * kMiB) << "woken as the charge crossed the limit, within one step";
  EXPECT_EQ(guard.stats().samples, 2u) << "the first sample, and the one the threshold started";
  guard.cancel();
  EXPECT_FALSE(child.process.has_exited());
}

TEST_P(MemoryGuardJob, TheCgroupMetricNeedsTheMemoryController) {
  Job job = Job::create(job_name(), options());
  auto child = spawn_ready(job, {"memhog", "1"});
  GuardOptions o;
  o.metric = GuardMetric::cgroup;
  if (job.memory_current()) GTEST_SKIP() << "this layout charges every job (memory on the cgroup2 core)";
  EXPECT_THROW(MemoryGuard(GuardTarget::job(job), o), InvalidArgument);
}

TEST_P(MemoryGuardJob, JobHooksForGuards) {
  Job job = Job::create(job_name(), options({}, {.memory = true}));
  auto child = spawn_ready(job, {"memhog", "1"});
  Job other = job.reopen();
  EXPECT_EQ(other.name(), job.name());
  EXPECT_EQ(other.pids(), job.pids());
  EXPECT_FALSE(other.kill_on_close()) << "a second handle never owns the job";
  auto held = other.hold_member(child.process.pid());
  ASSERT_TRUE(held);
  EXPECT_EQ(held->pid(), child.process.pid());
  EXPECT_FALSE(other.hold_member(::getpid())) << "the test process is not a member";
  const bool v2_core = !v1_only() && layout()->mode() != CgroupMode::v1;
  if (::access("/proc/pressure/memory", R_OK) == 0) {
    EXPECT_EQ(job.memory_pressure_fd(200ms, 2s).has_value(), v2_core) << cgroup_mode_name(layout()->mode());
  }
}

REINS_INSTANTIATE_LAYOUTS(MemoryGuardJob);

class MemoryGuardJobCli : public CgroupTest {};

TEST_F(MemoryGuardJobCli, WatchKillsAJobPastItsCharge) {
  JobOptions jo;
  jo.accounting.memory = true;
  Job job = Job::create(job_name(), jo);
  if (!job.memory_current()) GTEST_SKIP() << "no memory controller for jobs";
  auto child = spawn_ready(job, {"grow", "20", "50", "1000"});
  auto out = run_capture({reins_bin(), "watch", "--job", job.name(), "--max-cgroup", "100M", "--grace", "0"});
  EXPECT_EQ(out.exit_code, 3) << out.err;
  EXPECT_NE(out.err.find("job " + job.name() + ": cgroup charge"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("sent SIGKILL to 1 process"), std::string::npos) << out.err;
  auto status = child.process.wait().status;
  EXPECT_TRUE(status.signaled() && status.signal() == SIGKILL) << status.describe();
  EXPECT_FALSE(job.populated());
  auto usage = run_capture({reins_bin(), "watch", "--pid", "1", "--max-cgroup", "1G"});
  EXPECT_EQ(usage.exit_code, 2) << "--max-cgroup needs --job: " << usage.err;
}

}  // namespace
}  // namespace reins::test
