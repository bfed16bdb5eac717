// The backends and the limit writer on fake cgroup trees in a temp directory: which files a job's limits
// land in on each layout, and how controllers get delegated on cgroup v2. (The real-kernel behaviour is the
// cgroup lane's.)
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/enclosing.hpp"
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
  auto job = JobCgroups::open(layout, "job", /*adopt=*/true);  // a fake tree keeps no marker
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
  auto job = JobCgroups::open(Layout::from_texts(kHybridMounts, kHybridCgroups, o), "job", /*adopt=*/true);
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

// Names that pass the character check but are (or will be) the kernel's files in the parent cgroup.
TEST(CgroupFakeTree, ControlFileNamesAreNotJobNames) {
  for (const char* bad : {"tasks", "notify_on_release", "release_agent", "cgroup.procs", "memory.max", "cpu.weight",
                          "io.max", "hugetlb.2MB.max", "misc.max", ".hidden", ".x"})
    EXPECT_THROW(check_job_name(bad), InvalidArgument) << bad;
  for (const char* ok : {"memory", "cpu-bound", "memoryhog.1", "tasks2", "io", "build.1"})
    EXPECT_NO_THROW(check_job_name(ok)) << ok;
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

// A v2 parent with the controllers, holding `procs`, at cgroup `path` ("/svc", or "/" for a namespace root).
Layout v2_layout_at(const TempDir& t, const std::string& path, const std::string& procs, bool has_type = true) {
  const std::string dir = "sys/fs/cgroup" + (path == "/" ? std::string() : path);
  t.write(dir + "/cgroup.controllers", "cpu memory pids\n");
  t.write(dir + "/cgroup.subtree_control", "");
  t.write(dir + "/cgroup.procs", procs);
  if (has_type) t.write(dir + "/cgroup.type", "domain\n");
  LayoutOptions o;
  o.fs_prefix = t.path();
  return Layout::from_texts("26 23 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::" + path + "\n", o);
}

// What a login shell's session scope or a service gives reins: a cgroup it shares. The error says why and
// what to run instead, and is typed, so that Job::create can ask systemd for a scope.
TEST(CgroupFakeTree, ASharedParentIsADelegationProblemThatSaysWhatToRun) {
  TempDir t;
  Layout layout = v2_layout_at(t, "/svc", "4242\n");
  try {
    JobCgroups::create(layout, "job", {Controller::memory});
    ADD_FAILURE() << "enabled a controller in a cgroup that holds another process";
  } catch (const DelegationError& e) {
    EXPECT_EQ(e.problem(), DelegationProblem::shared);
    EXPECT_EQ(e.errno_value(), EBUSY);
    EXPECT_NE(std::string(e.what()).find("systemd-run --scope -p Delegate=yes reins"), std::string::npos) << e.what();
  }
  EXPECT_EQ(t.read("sys/fs/cgroup/svc/cgroup.subtree_control"), "") << "nothing was enabled";
}

// reins init as PID 1 under unshare --pid sees the shell beside it as pid 0: another process, not "only us".
TEST(CgroupFakeTree, AProcessOfAnOuterPidNamespaceIsAnotherProcess) {
  const std::string us = std::to_string(::getpid()) + "\n";
  for (bool outer_process : {true, false}) {
    TempDir t;
    Layout layout = v2_layout_at(t, "/svc", outer_process ? "0\n" + us : us);
    if (outer_process) {
      EXPECT_THROW(JobCgroups::create(layout, "job", {Controller::memory}), DelegationError);
      continue;
    }
    // Negative control: alone in the cgroup, reins moves into its leaf and enables the controller.
    t.write("sys/fs/cgroup/svc/reins-supervisor/cgroup.procs", "");  // what the kernel's mkdir would make
    JobCgroups::create(layout, "job", {Controller::memory});
    EXPECT_EQ(t.read("sys/fs/cgroup/svc/reins-supervisor/cgroup.procs"), "0") << "moved itself into the leaf";
    EXPECT_EQ(t.read("sys/fs/cgroup/svc/cgroup.subtree_control"), "+memory");
  }
}

// systemd-nspawn, docker --cgroupns=private: the namespace's root shows as "/" but is not the real root (it
// has cgroup.type), so the no-internal-processes rule applies there; the real root is exempt.
TEST(CgroupFakeTree, ACgroupNamespaceRootIsNotTheRealRoot) {
  for (bool namespace_root : {true, false}) {
    TempDir t;
    Layout layout = v2_layout_at(t, "/", "4242\n", /*has_type=*/namespace_root);
    if (namespace_root) {
      EXPECT_THROW(JobCgroups::create(layout, "job", {Controller::memory}), DelegationError);
    } else {
      JobCgroups::create(layout, "job", {Controller::memory});
      EXPECT_EQ(t.read("sys/fs/cgroup/cgroup.subtree_control"), "+memory") << "the real root takes controllers";
    }
  }
}

// Statistics-only controllers a shared parent cannot give are left out, and that is said, so that Job::create
// can get them from a delegated scope where one can be had.
TEST(CgroupFakeTree, StatisticsASharedParentCannotGiveAreMarkedRefused) {
  TempDir t;
  Layout layout = v2_layout_at(t, "/svc", "4242\n");
  JobCgroups job = JobCgroups::create(layout, "job", {}, {Controller::memory});
  EXPECT_TRUE(job.accounting_refused());
  EXPECT_EQ(job.holding(Controller::memory), nullptr);
  TempDir t2;
  JobCgroups plain = JobCgroups::create(v2_layout_at(t2, "/svc", ""), "job", {}, {Controller::memory});
  EXPECT_FALSE(plain.accounting_refused()) << "an empty parent gives them";
}

// An ordinary user in a cgroup root owns is told that first, before anything about other processes: it is
// what she must fix (here the parent is both not hers and shared).
TEST(CgroupFakeTree, OwnershipIsCheckedBeforeOtherProcesses) {
  TempDir t;
  Layout layout = v2_layout_at(t, "/svc", "4242\n");
  ASSERT_EQ(::chmod(t.path().c_str(), 0755), 0) << "the tree is readable by all, writable by root only";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 1;
    if (::setresgid(65534, 65534, 65534) == 0 && ::setresuid(65534, 65534, 65534) == 0) {
      try {
        JobCgroups::create(layout, "job", {Controller::memory});
        code = 2;
      } catch (const DelegationError& e) {
        bool hint = std::string(e.what()).find("systemd-run --user --scope") != std::string::npos;
        code = e.problem() == DelegationProblem::not_writable && e.errno_value() == EACCES && hint ? 0 : 3;
      } catch (...) {
        code = 4;
      }
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: could not drop to nobody, 2: no error, 3: another problem, 4: another error";
}

// A Slurm step on v2, the mount's root being /slurm: the limit is the lowest at or above the jobs' parent up
// to that root (a container's own cgroup is its mount's root), "max" and missing files being no limit.
TEST(CgroupFakeTree, EnclosingLimitsAreTheLowestAtOrAboveTheParentWithinTheMount) {
  TempDir t;
  t.write("sys/fs/cgroup/cgroup.controllers", "memory pids\n");
  t.write("sys/fs/cgroup/memory.max", "max\n");  // /slurm, the mount's root
  t.write("sys/fs/cgroup/job_7/memory.max", "524288000\n");
  t.write("sys/fs/cgroup/job_7/pids.max", "max\n");
  t.write("sys/fs/cgroup/job_7/step_0/memory.max", "52428800\n");
  t.write("sys/fs/cgroup/job_7/step_0/pids.max", "64\n");
  t.write("sys/fs/cgroup/job_7/step_0/task_0/cgroup.controllers", "memory pids\n");
  t.write("sys/fs/cgroup/job_7/step_0/task_0/memory.max", "max\n");
  LayoutOptions o;
  o.fs_prefix = t.path();
  Layout layout = Layout::from_texts("26 23 0:25 /slurm /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                                     "0::/slurm/job_7/step_0/task_0\n", o);
  auto limits = enclosing_limits(layout);
  ASSERT_EQ(limits.size(), 2u);
  EXPECT_EQ(limits[0], (EnclosingLimit{"MemoryMax", "/slurm/job_7/step_0", 52428800}));
  EXPECT_EQ(limits[1], (EnclosingLimit{"TasksMax", "/slurm/job_7/step_0", 64}));
  t.write("sys/fs/cgroup/job_7/step_0/task_0/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n");
  EXPECT_EQ(parent_oom_kills(layout), 2u);
  t.write("sys/fs/cgroup/memory.max", "1000\n");  // the mount's root is read too
  EXPECT_EQ(enclosing_limits(layout)[0], (EnclosingLimit{"MemoryMax", "/slurm", 1000}));
}

// v1 writes "no limit" as a huge number (9223372036854771712): not a limit.
TEST(CgroupFakeTree, AV1UnlimitedValueIsNoEnclosingLimit) {
  TempDir t;
  t.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  t.write("sys/fs/cgroup/memory/docker/memory.limit_in_bytes", "9223372036854771712\n");
  LayoutOptions o;
  o.fs_prefix = t.path();
  Layout layout =
      Layout::from_texts("30 20 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", "4:memory:/docker\n", o);
  EXPECT_TRUE(enclosing_limits(layout).empty());
  t.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "67108864\n");
  EXPECT_EQ(enclosing_limits(layout), (std::vector<EnclosingLimit>{{"MemoryMax", "/", 67108864}}));
}

}  // namespace
}  // namespace reins::cgroup
