// Layout discovery on captured /proc/self/mountinfo and /proc/self/cgroup files (v2, hybrid, v1, a
// container) and on fake cgroup trees in a temp directory.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cgroup/layout.hpp"
#include "cgroup/mountinfo.hpp"
#include "reins/error.hpp"
#include "support/support.hpp"
#include "support/temp_dir.hpp"

namespace reins::cgroup {
namespace {

using test::fixture;

Layout captured(const std::string& kind, LayoutOptions o = {}) {
  if (o.fs_prefix.empty()) o.fs_prefix = "/nonexistent-reins-prefix";  // no cgroup.controllers to read
  return Layout::from_texts(test::read_text_file(fixture("cgroup/mountinfo-" + kind)),
                            test::read_text_file(fixture("cgroup/proc-cgroup-" + kind)), o);
}

TEST(CgroupMountinfo, ParsesCgroupMountsWithEscapesAndOptionalFields) {
  auto mounts = parse_cgroup_mounts(test::read_text_file(fixture("cgroup/mountinfo-container")));
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[0].version, Version::v1);
  EXPECT_EQ(mounts[0].root, "/docker/abc123");
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/memory");
  EXPECT_EQ(mounts[2].mount_point, "/sys/fs/cgroup/my cpu");
  EXPECT_NE(std::find(mounts[2].options.begin(), mounts[2].options.end(), "cpuacct"), mounts[2].options.end());
}

TEST(CgroupMountinfo, SkipsMalformedLines) {
  EXPECT_TRUE(parse_cgroup_mounts("garbage\n1 2 3\n\n- - -\n").empty());
  auto m = parse_cgroup_mounts("9 1 0:5 / /x rw - cgroup2 cgroup2 rw\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].version, Version::v2);
}

TEST(CgroupProcCgroup, ParsesLinesAndKeepsColonsInPaths) {
  auto lines = parse_proc_cgroup("4:cpu,cpuacct:/a:b\n0::/\n1:name=systemd:/x\nbad\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].hierarchy_id, 4u);
  EXPECT_EQ(lines[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(lines[0].path, "/a:b");
  EXPECT_TRUE(lines[1].controllers.empty());
  EXPECT_EQ(membership_path("4:cpu,cpuacct:/a\n0::/b\n", "cpuacct"), "/a");
  EXPECT_EQ(membership_path("4:cpu,cpuacct:/a\n0::/b\n", ""), "/b");
  EXPECT_EQ(membership_path("4:cpu:/a\n", "memory"), "");
}

TEST(CgroupProcCgroup, PathWithinRespectsComponentBoundaries) {
  EXPECT_TRUE(path_within("/a/b", "/a"));
  EXPECT_TRUE(path_within("/a", "/a/"));
  EXPECT_TRUE(path_within("/anything", "/"));
  EXPECT_FALSE(path_within("/ab", "/a"));
  EXPECT_FALSE(path_within("", "/a"));
}

TEST(CgroupLayout, HybridIsThisMachinesShapeCoreOnCgroup2ControllersOnV1) {
  Layout l = captured("hybrid");
  EXPECT_EQ(l.mode(), Layout::Mode::hybrid);
  ASSERT_NE(l.unified(), nullptr);
  EXPECT_EQ(&l.core(), l.unified());
  EXPECT_EQ(l.core().mount_point, "/nonexistent-reins-prefix/sys/fs/cgroup/unified");
  const Hierarchy* mem = l.find(Controller::memory);
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->version, Version::v1);
  EXPECT_EQ(mem->parent.rfind("/process_api/", 0), 0u) << mem->parent;
  EXPECT_EQ(l.find(Controller::cpu)->name, "cpu");
  EXPECT_EQ(l.find(Controller::io)->name, "blkio");
  EXPECT_EQ(l.find(Controller::cpuacct), nullptr) << "cpu time comes from the cgroup2 core";
  EXPECT_EQ(l.find(Controller::freezer), nullptr) << "freezing is cgroup2's cgroup.freeze";
  EXPECT_TRUE(l.core_controllers().empty());
}

TEST(CgroupLayout, PureV2PutsEverythingOnCgroup2AndReadsItsControllers) {
  test::TempDir fake;
  fake.write("sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/cgroup.controllers",
             "cpuset cpu io memory pids\n");
  LayoutOptions o;
  o.fs_prefix = fake.path();
  Layout l = captured("v2", o);
  EXPECT_EQ(l.mode(), Layout::Mode::v2);
  EXPECT_EQ(l.hierarchies().size(), 1u);
  EXPECT_EQ(l.find(Controller::memory), l.unified());
  EXPECT_EQ(l.find(Controller::io), l.unified());
  EXPECT_EQ(l.core().parent, "/user.slice/user-1000.slice/session-3.scope");
  EXPECT_EQ(l.core().parent_dir(), fake.path() + "/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope");
  EXPECT_EQ(l.core().child_path("j"), "/user.slice/user-1000.slice/session-3.scope/j");
}

TEST(CgroupLayout, V2WithoutDelegatedControllersOffersNone) {
  Layout l = captured("v2");
  EXPECT_EQ(l.find(Controller::memory), nullptr);
  EXPECT_NE(l.unified(), nullptr);
}

TEST(CgroupLayout, V1UsesCoMountedCpuCpuacctAndTheFreezerAsCore) {
  Layout l = captured("v1");
  EXPECT_EQ(l.mode(), Layout::Mode::v1);
  EXPECT_EQ(l.unified(), nullptr);
  EXPECT_EQ(l.core().name, "freezer");
  EXPECT_EQ(l.core().parent, "/user/alice/0");
  EXPECT_EQ(l.find(Controller::cpu), l.find(Controller::cpuacct));
  EXPECT_EQ(l.find(Controller::cpu)->name, "cpu,cpuacct");
  EXPECT_EQ(l.find(Controller::memory)->parent, "/user.slice/user-1000.slice/session-1.scope");
  EXPECT_TRUE(l.core_controllers().has(Controller::freezer));
  EXPECT_TRUE(l.core_controllers().has(Controller::cpuacct));
  for (const auto& h : l.hierarchies()) EXPECT_NE(h.name, "name=systemd") << "a hierarchy with no controller of ours";
}

TEST(CgroupLayout, ContainerMountRootsMapCgroupPathsToDirectories) {
  Layout l = captured("container");
  const Hierarchy* mem = l.find(Controller::memory);
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->parent, "/docker/abc123/inner");
  EXPECT_EQ(mem->parent_dir(), "/nonexistent-reins-prefix/sys/fs/cgroup/memory/inner");
  EXPECT_EQ(mem->dir_of(mem->child_path("j")), "/nonexistent-reins-prefix/sys/fs/cgroup/memory/inner/j");
  EXPECT_EQ(l.find(Controller::cpu)->parent_dir(), "/nonexistent-reins-prefix/sys/fs/cgroup/my cpu");
  // The freezer mount shows another cgroup than ours: unusable, and said so.
  EXPECT_EQ(l.find(Controller::freezer), nullptr);
  ASSERT_FALSE(l.skipped().empty());
  EXPECT_NE(l.skipped()[0].find("outside the mount's root"), std::string::npos) << l.skipped()[0];
}

TEST(CgroupLayout, ExplicitRootReplacesOurOwnCgroups) {
  LayoutOptions o;
  o.root = "/reins";
  Layout l = captured("hybrid", o);
  for (const auto& h : l.hierarchies()) EXPECT_EQ(h.parent, "/reins") << h.name;
  EXPECT_EQ(l.find(Controller::memory)->parent_dir(), "/nonexistent-reins-prefix/sys/fs/cgroup/memory/reins");
}

TEST(CgroupLayout, V1OnlyIgnoresTheCgroup2Mount) {
  LayoutOptions o;
  o.v1_only = true;
  Layout l = captured("hybrid", o);
  EXPECT_EQ(l.mode(), Layout::Mode::v1);
  EXPECT_EQ(l.core().name, "freezer");
}

TEST(CgroupLayout, NothingMountedIsAnErrorSayingWhatWasRead) {
  try {
    Layout::from_texts("22 27 0:21 / /proc rw - proc proc rw\n", "0::/\n", {});
    ADD_FAILURE() << "a layout without cgroups";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("mountinfo"), std::string::npos) << e.what();
  }
}

TEST(CgroupLayout, DescribeNamesEveryHierarchyAndTheCore) {
  std::string d = captured("hybrid").describe();
  EXPECT_NE(d.find("hybrid"), std::string::npos);
  EXPECT_NE(d.find("(core)"), std::string::npos);
  EXPECT_NE(d.find("memory"), std::string::npos);
}

}  // namespace
}  // namespace reins::cgroup
