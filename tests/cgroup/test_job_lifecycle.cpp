// Job lifecycle on the real kernel: create, spawn inside, membership in every hierarchy, terminate,
// remove, kill-on-close, release/open, assign, freeze.
#include <signal.h>
#include <sys/stat.h>
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

class JobLifecycle : public JobTest {};

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool contains(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

constexpr JobAccounting kAll{true, true, true, true};

TEST_P(JobLifecycle, SpawnedChildIsAMemberOfEveryCgroupOfTheJob) {
  Job job = Job::create(job_name(), options({}, kAll));
  Command c;
  c.argv = {testproc(), "sleep", "100"};
  Process p = job.spawn(c);
  EXPECT_TRUE(contains(job.pids(), p.pid()));
  EXPECT_TRUE(job.populated());
  std::string cg = proc_cgroup_line(p.pid());
  for (const auto& path : job.paths()) {
    // Every cgroup of the job lists the child.
    std::string procs;
    std::ifstream f(path + "/cgroup.procs");
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_NE(ss.str().find(std::to_string(p.pid())), std::string::npos) << path << "\n" << cg;
  }
  job.terminate();
  EXPECT_FALSE(job.populated());
  auto r = p.wait();
  EXPECT_TRUE(r.status.signaled());
  EXPECT_EQ(r.status.signal(), SIGKILL);
  auto paths = job.paths();
  job.remove();
  for (const auto& path : paths) EXPECT_FALSE(exists(path)) << path;
}

TEST_P(JobLifecycle, DestroyingAnOwningJobKillsItsProcessesAndRemovesItsCgroups) {
  std::vector<std::string> paths;
  Process p;
  {
    Job job = Job::create(job_name(), options({}, kAll));
    Command c;
    c.argv = {testproc(), "sleep", "100"};
    p = job.spawn(c);
    paths = job.paths();
  }
  auto r = p.wait_for(2s);
  ASSERT_TRUE(r.has_value()) << "the child outlived its job";
  EXPECT_EQ(r->status.signal(), SIGKILL);
  for (const auto& path : paths) EXPECT_FALSE(exists(path)) << path;
}

TEST_P(JobLifecycle, ReleasedJobStaysAndCanBeOpenedByName) {
  std::string name = job_name();
  std::vector<std::string> paths;
  {
    Job job = Job::create(name, options());
    job.release();
    paths = job.paths();
  }
  for (const auto& path : paths) EXPECT_TRUE(exists(path)) << path;
  auto names = Job::list(layout());
  EXPECT_NE(std::find(names.begin(), names.end(), name), names.end());
  Job again = Job::open(name, layout());
  EXPECT_FALSE(again.kill_on_close());
  EXPECT_EQ(again.paths(), paths);
  again.remove();
  for (const auto& path : paths) EXPECT_FALSE(exists(path)) << path;
  EXPECT_THROW(Job::open(name, layout()), Error);
}

TEST_P(JobLifecycle, CreatingAnExistingNameFailsAndLeavesTheOtherIntact) {
  std::string name = job_name();
  Job job = Job::create(name, options());
  try {
    Job::create(name, options());
    ADD_FAILURE() << "a second job with the same name was created";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EEXIST) << e.what();
  }
  for (const auto& path : job.paths()) EXPECT_TRUE(exists(path)) << path;
}

TEST_P(JobLifecycle, AssignMovesARunningProcessIntoEveryHierarchy) {
  Job job = Job::create(job_name(), options({}, kAll));
  Command c;
  c.argv = {testproc(), "sleep", "100"};
  Process outside = Process::spawn(c);
  EXPECT_FALSE(contains(job.pids(), outside.pid()));
  job.assign(outside.pid());
  EXPECT_TRUE(contains(job.pids(), outside.pid()));
  EXPECT_FALSE(job.frozen()) << "assign must thaw what it froze";
  for (const auto& path : job.paths()) {
    std::ifstream f(path + "/cgroup.procs");
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_NE(ss.str().find(std::to_string(outside.pid())), std::string::npos) << path;
  }
  job.remove();
  EXPECT_TRUE(outside.wait_for(2s).has_value());
}

TEST_P(JobLifecycle, AssignOfAnExitedProcessFailsWithEsrch) {
  Job job = Job::create(job_name(), options());
  Command c;
  c.argv = {testproc(), "exit", "0"};
  Process p = Process::spawn(c);
  pid_t pid = p.pid();
  p.wait();
  try {
    job.assign(pid);
    ADD_FAILURE() << "assigned a reaped pid";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ESRCH) << e.what();
  }
}

TEST_P(JobLifecycle, FreezeStopsMembersAndThawResumesThem) {
  Job job = Job::create(job_name(), options());
  auto child = spawn_ready(job, {"spin", "30"});
  job.freeze();
  EXPECT_TRUE(job.frozen());
  auto before = job.stats().cpu.usage;
  usleep(200000);  // a frozen job must not accumulate CPU time over this interval
  auto after = job.stats().cpu.usage;
  EXPECT_LT(after - before, 20ms);
  job.thaw();
  EXPECT_FALSE(job.frozen());
  job.terminate();
}

TEST_P(JobLifecycle, SpawnAfterTerminateStillStartsInsideTheJob) {
  // cgroup.kill once written makes clone3(CLONE_INTO_CGROUP) children die at birth on this kernel; the job
  // must notice and join its children another way.
  Job job = Job::create(job_name(), options({}, kAll));
  auto first = spawn_ready(job, {"ignore-term", "100"});
  job.terminate();
  first.process.wait();
  Command c;
  c.argv = {testproc(), "exit", "7"};
  Process second = job.spawn(c);
  EXPECT_EQ(second.wait().status.exit_code(), 7);
  auto third = spawn_ready(job, {"spin", "30"});
  EXPECT_TRUE(contains(job.pids(), third.process.pid()));
  job.remove();
}

TEST_P(JobLifecycle, SignalReachesEveryMember) {
  Job job = Job::create(job_name(), options());
  auto a = spawn_ready(job, {"signals"});
  auto b = spawn_ready(job, {"signals"});
  EXPECT_EQ(job.signal(SIGUSR2), 2u);
  EXPECT_EQ(a.process.wait().status.exit_code(), 0);
  EXPECT_EQ(b.process.wait().status.exit_code(), 0);
}

// The negative control of the fixture: its leak detector must see a job's cgroups.
TEST_P(JobLifecycle, FixtureSeesEveryCgroupOfALiveJob) {
  Job job = Job::create(job_name(), options({}, kAll));
  auto seen = reins_cgroups();
  for (const auto& path : job.paths())
    EXPECT_TRUE(std::binary_search(seen.begin(), seen.end(), path)) << path << " not seen by the fixture";
}

REINS_INSTANTIATE_LAYOUTS(JobLifecycle);

}  // namespace
}  // namespace reins::test
