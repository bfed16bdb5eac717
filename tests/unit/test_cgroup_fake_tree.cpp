// The backends and the limit writer on fake cgroup trees in a temp directory: which files a job's limits
// land in on each layout, and how controllers get delegated on cgroup v2. (The real-kernel behaviour is the
// cgroup lane's.)
#include <gtest/gtest.h>

#include "cgroup/job_cgroups.hpp"
#include "cgroup/limits.hpp"
#include "reins/error.hpp"
#include "support/temp_dir.hpp"

namespace reins::cgroup {
namespace {

using test::TempDir;

constexpr const char* kHybridMounts =
    "30 20 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "31 20 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
    "32 20 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    "33 20 0:31 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
    "34 20 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
constexpr const char* kHybridCgroups = "4:memory:/\n3:cpu:/\n2:pids:/\n1:blkio:/\n0::/\n";

void make_job_files(const TempDir& t, const std::string& dir, std::initializer_list<const char*> files) {
  for (const char* f : files) t.write(dir + "/" + f, "");
}

TEST(CgroupFakeTree, HybridLimitsLandInTheV1FilesOfTheirControllers) {
  TempDir t;
  make_job_files(t, "sys/fs/cgroup/unified/job", {"cgroup.procs", "cgroup.events", "cgroup.controllers"});
  make_job_files(t, "sys/fs/cgroup/memory/job",
                 {"cgroup.procs", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"});
  make_job_files(t, "sys/fs/cgroup/cpu/job", {"cgroup.procs", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares"});
  make_job_files(t, "sys/fs/cgroup/pids/job", {"cgroup.procs", "pids.max"});
  LayoutOptions o;
  o.fs_prefix = t.path();
  Layout layout = Layout::from_texts(kHybridMounts, kHybridCgroups, o);
  ASSERT_EQ(layout.mode(), Layout::Mode::hybrid);
  auto job = JobCgroups::open(layout, "job");
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->core().version(), Version::v2);
  EXPECT_EQ(job->holding(Controller::memory)->version(), Version::v1);
  EXPECT_EQ(job->holding(Controller::io), nullptr) << "no blkio cgroup was made for this job";

  JobLimits l;
  l.memory_max = SizeLimit{64 << 20};
  l.swap_max = SizeLimit{0};
  l.cpu_quota = CpuQuota::cpus(0.5);
  l.cpu_weight = 200;
  l.pids_max = SizeLimit{32};
  std::vector<SkippedLimit> skipped;
  apply_limits(*job, l, false, skipped);
  EXPECT_EQ(t.read("sys/fs/cgroup/memory/job/memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(t.read("sys/fs/cgroup/memory/job/memory.memsw.limit_in_bytes"), "67108864");
  EXPECT_EQ(t.read("sys/fs/cgroup/cpu/job/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(t.read("sys/fs/cgroup/cpu/job/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(t.read("sys/fs/cgroup/cpu/job/cpu.shares"), "2048");
  EXPECT_EQ(t.read("sys/fs/cgroup/pids/job/pids.max"), "32");
  JobLimits back = read_limits(*job);
  EXPECT_EQ(back.memory_max, l.memory_max);
  EXPECT_EQ(back.swap_max, l.swap_max);
  EXPECT_EQ(back.cpu_quota, l.cpu_quota);
  EXPECT_EQ(back.cpu_weight, l.cpu_weight);
  EXPECT_EQ(back.pids_max, l.pids_max);
}

TEST(CgroupFakeTree, AKernelWithoutAFileIsAnErrorOrASkipUnderBestEffort) {
  TempDir t;
  make_job_files(t, "sys/fs/cgroup/unified/job", {"cgroup.procs", "cgroup.controllers"});
  make_job_files(t, "sys/fs/cgroup/memory/job", {"cgroup.procs", "memory.limit_in_bytes"});  // no swap accounting
  LayoutOptions o;
  o.fs_prefix = t.path();
  auto job = JobCgroups::open(Layout::from_texts(kHybridMounts, kHybridCgroups, o), "job");
  ASSERT_TRUE(job.has_value());
  JobLimits l;
  l.memory_max = SizeLimit{64 << 20};
  l.swap_max = SizeLimit{0};
  std::vector<SkippedLimit> skipped;
  try {
    apply_limits(*job, l, false, skipped);
    ADD_FAILURE() << "swap limit without memsw files";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MemorySwapMax"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("memory.memsw.limit_in_bytes"), std::string::npos) << e.what();
  }
  apply_limits(*job, l, true, skipped);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(t.read("sys/fs/cgroup/memory/job/memory.limit_in_bytes"), "67108864");
}

TEST(CgroupFakeTree, V2DelegationEnablesOnlyWhatIsMissingInTheJobsParent) {
  TempDir t;
  t.write("sys/fs/cgroup/svc/cgroup.controllers", "cpuset cpu io memory pids\n");
  t.write("sys/fs/cgroup/svc/cgroup.subtree_control", "cpu\n");
  t.write("sys/fs/cgroup/svc/cgroup.procs", "");
  LayoutOptions o;
  o.fs_prefix = t.path();
  Layout layout = Layout::from_texts("26 23 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/svc\n", o);
  ASSERT_EQ(layout.mode(), Layout::Mode::v2);
  JobCgroups job = JobCgroups::create(layout, "job", {Controller::memory, Controller::cpu, Controller::pids});
  std::string written = t.read("sys/fs/cgroup/svc/cgroup.subtree_control");
  EXPECT_EQ(written.substr(0, written.find('\n')), "+memory +pids") << "cpu was enabled already; nothing else asked";
  EXPECT_NE(job.holding(Controller::memory), nullptr);
  EXPECT_EQ(job.holding(Controller::memory), &job.core());
  EXPECT_EQ(job.paths(), (std::vector<std::string>{t.path() + "/sys/fs/cgroup/svc/job"}));
}

TEST(CgroupFakeTree, V2DelegationRefusesControllersTheParentDoesNotHave) {
  TempDir t;
  t.write("sys/fs/cgroup/svc/cgroup.controllers", "cpu\n");
  t.write("sys/fs/cgroup/svc/cgroup.subtree_control", "");
  LayoutOptions o;
  o.fs_prefix = t.path();
  Layout layout = Layout::from_texts("26 23 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/svc\n", o);
  try {
    JobCgroups::create(layout, "job", {Controller::memory});
    ADD_FAILURE() << "created a memory job without the memory controller";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("memory"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(t.path() + "/sys/fs/cgroup/svc/job")) << "nothing left behind on failure";
}

TEST(CgroupFakeTree, ControllersWantedOnlyForStatisticsAreLeftOutWhenNotDelegated) {
  TempDir t;
  t.write("sys/fs/cgroup/svc/cgroup.controllers", "cpu memory\n");
  // A subtree_control that cannot be written stands for a parent the kernel will not enable controllers in.
  t.mkdir("sys/fs/cgroup/svc/cgroup.subtree_control");
  LayoutOptions o;
  o.fs_prefix = t.path();
  Layout layout = Layout::from_texts("26 23 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/svc\n", o);
  ASSERT_EQ(layout.find(Controller::memory), layout.unified());
  EXPECT_THROW(JobCgroups::create(layout, "strict", {Controller::memory}), Error) << "a limit's controller is required";
  JobCgroups job = JobCgroups::create(layout, "job", {}, {Controller::memory});
  EXPECT_EQ(job.holding(Controller::memory), nullptr);
  EXPECT_EQ(job.paths(), (std::vector<std::string>{t.path() + "/sys/fs/cgroup/svc/job"}));
}

TEST(CgroupFakeTree, JobNamesAreSinglePathComponents) {
  for (const char* bad : {"", ".", "..", "a/b", "x y", "../escape", "tab\t"})
    EXPECT_THROW(check_job_name(bad), InvalidArgument) << bad;
  for (const char* ok : {"build-42", "a.b_c@d:e+f", "reins-1-0"}) EXPECT_NO_THROW(check_job_name(ok)) << ok;
}

// Which way a v2 job is ended is the layout's to say: cgroup.kill where allowed, else nothing is written and
// the caller kills member by member (the no_cgroup_kill layout of the cgroup lane runs that path for real).
TEST(CgroupFakeTree, CgroupKillIsWrittenOnlyWhereTheLayoutAllowsIt) {
  TempDir t;
  make_job_files(t, "job", {"cgroup.kill"});
  for (bool allowed : {true, false}) {
    t.write("job/cgroup.kill", "");
    auto dir = CgroupDir::open(t.path() + "/job", "/job");
    ASSERT_TRUE(dir);
    V2Backend backend(std::move(*dir), {}, allowed);
    EXPECT_EQ(backend.kill_all(), allowed);
    EXPECT_EQ(t.read("job/cgroup.kill"), allowed ? "1" : "") << (allowed ? "allowed" : "not allowed");
  }
}

}  // namespace
}  // namespace reins::cgroup
