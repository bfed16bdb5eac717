#include "cgroup/fixture.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "cgroup/dir.hpp"
#include "cgroup/layout.hpp"
#include "cgroup/layout_handle.hpp"
#include "reins/error.hpp"

namespace reins::test {

std::vector<std::string> parent_dirs() {
  std::vector<std::string> out;
  auto layout = cgroup::Layout::discover();
  for (const auto& h : layout.hierarchies()) out.push_back(h.parent_dir());
  return out;
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
    dir->write_errno("cgroup.kill", "1");
    for (pid_t pid : dir->pids_recursive()) kill(pid, SIGKILL);  // test cleanup only; the library uses pidfds
    if (dir->has("freezer.state")) dir->write_errno("freezer.state", "THAWED");
  }
  for (const auto& p : paths)
    if (auto dir = cgroup::CgroupDir::open(p, "")) dir->remove_tree(deadline);
}

void CgroupTest::SetUp() {
  REINS_REQUIRE_ROOT();
  try {
    cgroup::Layout::discover();
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
  return info.param == LayoutKind::native ? "native" : "v1_only";
}

void CgroupTest::TearDown() {
  if (!active_) return;
  std::vector<std::string> leaked;
  for (const auto& p : reins_cgroups())
    if (!std::binary_search(before_.begin(), before_.end(), p)) leaked.push_back(p);
  std::string list;
  for (const auto& p : leaked) list += "\n  " + p;
  EXPECT_TRUE(leaked.empty()) << "cgroups left behind by this test:" << list;
  force_remove(leaked);
}

}  // namespace reins::test
