// The cgroup lane's fixture: skips unless root with a usable cgroup layout, and checks after every test
// that no cgroup the test created is left, in any hierarchy; if one is, it fails the test and removes it
// (killing what is inside), so one failing test cannot leak into the next. The lane runs serially
// (RUN_SERIAL), so every new "reins-*" cgroup seen during a test is that test's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reins/job.hpp"
#include "support/support.hpp"

namespace reins::cgroup {
class DelegationLease;
}

namespace reins::test {

class CgroupTest : public ::testing::Test {
 public:
  CgroupTest();
  ~CgroupTest() override;

 protected:
  void SetUp() override;
  void TearDown() override;
  // Test job names: "reins-test-<pid>-<n>".
  static std::string job_name() { return unique_name("reins-test"); }

 private:
  std::vector<std::string> before_;
  bool active_ = false;
  // On cgroup2 with controllers (a delegated service cgroup): the test process moves into the supervisor
  // leaf, as a wrapper starting reins must, so that the reins processes it starts may enable controllers.
  std::unique_ptr<cgroup::DelegationLease> leaf_lease_;
};

// The layouts a job test runs on: what this machine has (hybrid here); the same machine driven through its
// v1 hierarchies only (core included), which exercises the v1 code on the real kernel; and the native layout
// without cgroup.kill (as before Linux 5.14), which exercises the freeze-and-kill-each fallback of the v2 core.
enum class LayoutKind { native, v1_only, no_cgroup_kill };

class JobTest : public CgroupTest, public ::testing::WithParamInterface<LayoutKind> {
 protected:
  void SetUp() override;
  const CgroupLayout* layout() const { return &*layout_; }
  JobOptions options(JobLimits limits = {}, JobAccounting accounting = {}) const;
  bool v1_only() const { return GetParam() == LayoutKind::v1_only; }

 private:
  std::optional<CgroupLayout> layout_;
};

std::string layout_kind_name(const ::testing::TestParamInfo<LayoutKind>& info);
#define REINS_INSTANTIATE_LAYOUTS(Suite)                                                                           \
  INSTANTIATE_TEST_SUITE_P(Layouts, Suite,                                                                         \
                           ::testing::Values(LayoutKind::native, LayoutKind::v1_only, LayoutKind::no_cgroup_kill), \
                           layout_kind_name)

// A whole disk of this machine for I/O limits (the host's vda, the VM lanes' ram0): the first entry of
// /sys/block that is neither a loop nor a zram device and has its /dev node; nullopt if there is none.
struct TestDisk {
  std::string path;  // "/dev/vda"
  unsigned major = 0, minor = 0;
};
std::optional<TestDisk> test_disk();

// Directories of every hierarchy's job parent (where jobs are made).
std::vector<std::string> parent_dirs();
// Every "reins-*" cgroup directory below the job parents, as full paths.
std::vector<std::string> reins_cgroups();
// Kills what is inside the cgroups (cgroup.kill or the v1 freezer) and removes them.
void force_remove(const std::vector<std::string>& paths);

}  // namespace reins::test
