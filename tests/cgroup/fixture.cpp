#include "cgroup/fixture.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cgroup/dir.hpp"
#include "cgroup/layout.hpp"
#include "cgroup/v2/delegation.hpp"
#include "job/layout_handle.hpp"
#include "reins/error.hpp"
#include "sys/file_io.hpp"

namespace reins::test {

std::vector<std::string> parent_dirs() {
  std::vector<std::string> out;
  auto layout = cgroup::Layout::discover();
  for (const auto& h : layout.hierarchies()) out.push_back(h.parent_dir());
  return out;
}

std::optional<TestDisk> test_disk() {
  std::vector<std::string> names;
  if (DIR* d = opendir("/sys/block")) {
    while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (n[0] == '.' || n.rfind("loop", 0) == 0 || n.rfind("zram", 0) == 0) continue;
    TestDisk disk{"/dev/" + n};
    if (access(disk.path.c_str(), F_OK) != 0) continue;
    auto read = sys::read_file(AT_FDCWD, ("/sys/block/" + n + "/dev").c_str());
    if (!read.ok()) continue;
    const std::string& dev = *read;
    if (std::sscanf(dev.c_str(), "%u:%u", &disk.major, &disk.minor) == 2) return disk;
  }
  return std::nullopt;
}

std::vector<std::string> reins_cgroups() {
  std::vector<std::string> out;
  for (const auto& parent : parent_dirs()) {
    DIR* d = opendir(parent.c_str());
    if (!d) continue;
    while (dirent* e = readdir(d))
      if (e->d_type == DT_DIR && std::string_view(e->d_name).rfind("reins-", 0) == 0 &&
          std::string_view(e->d_name) != "reins-supervisor")
        out.push_back(parent + "/" + e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void force_remove(const std::vector<std::string>& paths) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (const auto& p : paths) {
    auto dir = cgroup::CgroupDir::open(p, "");
    if (!dir) continue;
    static_cast<void>(dir->try_write("cgroup.kill", "1"));       // absent before 5.14 and on v1: killed below
    for (pid_t pid : dir->pids_recursive()) kill(pid, SIGKILL);  // test cleanup only; the library uses pidfds
    if (dir->has("freezer.state")) static_cast<void>(dir->try_write("freezer.state", "THAWED"));
  }
  for (const auto& p : paths)
    if (auto dir = cgroup::CgroupDir::open(p, "")) dir->remove_tree(deadline);
}

CgroupTest::CgroupTest() = default;
CgroupTest::~CgroupTest() = default;

void CgroupTest::SetUp() {
  REINS_REQUIRE_ROOT();
  try {
    auto layout = cgroup::Layout::discover();
    if (const auto* u = layout.unified(); u && !u->controllers.empty()) {
      leaf_lease_ = std::make_unique<cgroup::DelegationLease>(*u);
      leaf_lease_->enter_leaf();
    }
  } catch (const Error& e) {
    GTEST_SKIP() << "no usable cgroup layout: " << e.what();
  }
  before_ = reins_cgroups();
  active_ = true;
}

void JobTest::SetUp() {
  CgroupTest::SetUp();
  if (IsSkipped()) return;
  cgroup::LayoutOptions o;
  o.v1_only = v1_only();
  o.without_cgroup_kill = GetParam() == LayoutKind::no_cgroup_kill;
  try {
    layout_.emplace(std::make_shared<const CgroupLayout::Impl>(CgroupLayout::Impl{cgroup::Layout::discover(o)}));
  } catch (const Error& e) {
    GTEST_SKIP() << "no " << (v1_only() ? "v1 " : "") << "cgroup layout: " << e.what();
  }
}

JobOptions JobTest::options(JobLimits limits, JobAccounting accounting) const {
  JobOptions o;
  o.limits = std::move(limits);
  o.accounting = accounting;
  o.layout = layout();
  return o;
}

std::string layout_kind_name(const ::testing::TestParamInfo<LayoutKind>& info) {
  switch (info.param) {
    case LayoutKind::native:
      return "native";
    case LayoutKind::v1_only:
      return "v1_only";
    case LayoutKind::no_cgroup_kill:
      return "no_cgroup_kill";
  }
  return "?";
}

// A job named "reins-<pid>-<n>" whose creator is alive and is not this test belongs to another reins running
// on the machine at the same time (a benchmark, another test run): neither this test's leak nor ours to remove.
// The test's own `reins` children have exited by now, so what they left still counts.
bool made_by_another_live_process(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  int pid = 0;
  if (std::sscanf(name.c_str(), "reins-%d-", &pid) != 1 || pid <= 0 || pid == ::getpid()) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

void CgroupTest::TearDown() {
  if (!active_) return;
  std::vector<std::string> leaked;
  for (const auto& p : reins_cgroups())
    if (!std::binary_search(before_.begin(), before_.end(), p) && !made_by_another_live_process(p)) leaked.push_back(p);
  std::string list;
  for (const auto& p : leaked) list += "\n  " + p;
  EXPECT_TRUE(leaked.empty()) << "cgroups left behind by this test:" << list;
  force_remove(leaked);
  leaf_lease_.reset();  // moves back out of the supervisor leaf and removes it
}

}  // namespace reins::test
