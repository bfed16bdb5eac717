// Cgroup memory: the parsers, read_cgroup_memory on fixture directories (v1 captured from this machine, v2
// written by hand in the kernel's format), and finding our own memory cgroup from /proc texts.
#include <gtest/gtest.h>

#include <cerrno>

#include "cgroup/memory_reader.hpp"
#include "support/support.hpp"
#include "sys/file_io.hpp"

namespace reins {
namespace {

constexpr std::uint64_t MiB = 1024 * 1024;

const std::optional<SizeLimit> kNoLimit{std::in_place};  // known, and "max"

std::string cgroup_fixture(const std::string& dir) { return test::fixture("cgroup/" + dir); }

TEST(CgroupLimit, ReadsMaxNumbersAndV1sHugeNoLimit) {
  EXPECT_EQ(cgroup::parse_memory_limit("max\n"), kNoLimit);
  EXPECT_EQ(cgroup::parse_memory_limit("1073741824\n"), SizeLimit{1ull << 30});
  EXPECT_EQ(cgroup::parse_memory_limit("9223372036854771712\n"), kNoLimit) << "v1's PAGE_COUNTER_MAX";
  EXPECT_EQ(cgroup::parse_memory_limit("9223372036854710272"), kNoLimit) << "the same with 64 KiB pages";
  for (const char* bad : {"", "\n", "-1", "1G", "max max", "18446744073709551616"})
    EXPECT_FALSE(cgroup::parse_memory_limit(bad)) << bad;
}

TEST(CgroupMemoryV1, ReadsACapturedCgroup) {
  auto m = read_cgroup_memory(cgroup_fixture("v1/job"));
  EXPECT_EQ(m.error, 0);
  EXPECT_EQ(m.version, CgroupVersion::v1);
  EXPECT_EQ(m.current, 86880256u);
  EXPECT_EQ(m.peak, 867291136u);
  EXPECT_EQ(m.max, kNoLimit);
  EXPECT_EQ(m.effective_max, kNoLimit);
  EXPECT_FALSE(m.high) << "v1 has no memory.high";
  EXPECT_EQ(m.stat.anon, 2183168u) << "total_rss";
  EXPECT_EQ(m.stat.file, 80834560u) << "total_cache";
  EXPECT_EQ(m.stat.file_mapped, 212992u);
  EXPECT_EQ(m.stat.pgfault, 2576411u);
  EXPECT_FALSE(m.stat.kernel);
  EXPECT_EQ(m.events.max, 0u) << "failcnt";
  EXPECT_EQ(m.events.oom_kill, 0u);
  EXPECT_EQ(m.events.under_oom, false);
  EXPECT_FALSE(m.events.oom) << "v2 only";
}

TEST(CgroupMemoryV1, TheHierarchicalLimitIsTheEffectiveOne) {
  auto m = read_cgroup_memory(cgroup_fixture("v1/limited"));
  EXPECT_EQ(m.max, SizeLimit{512 * MiB});
  EXPECT_EQ(m.effective_max, SizeLimit{256 * MiB});
  EXPECT_EQ(m.events.max, 7u);
  EXPECT_EQ(m.events.oom_kill, 2u);
  EXPECT_EQ(m.events.under_oom, true);
  EXPECT_EQ(m.events.oom_kill_disabled, false);
}

TEST(CgroupMemoryV2, ReadsEveryFileAndTakesTheSmallestLimitUpTheTree) {
  auto m = read_cgroup_memory(cgroup_fixture("v2/parent/child"));
  EXPECT_EQ(m.error, 0);
  EXPECT_EQ(m.version, CgroupVersion::v2);
  EXPECT_EQ(m.current, 50 * MiB);
  EXPECT_EQ(m.peak, 60 * MiB);
  EXPECT_EQ(m.swap_current, 0u);
  EXPECT_EQ(m.max, kNoLimit);
  EXPECT_EQ(m.high, SizeLimit{768 * MiB});
  EXPECT_EQ(m.effective_max, SizeLimit{1024 * MiB}) << "the parent's memory.max applies";
  EXPECT_EQ(m.stat.anon, 40 * MiB);
  EXPECT_EQ(m.stat.file, 8 * MiB);
  EXPECT_EQ(m.stat.kernel, 1 * MiB);
  EXPECT_EQ(m.stat.file_mapped, 2 * MiB);
  EXPECT_EQ(m.stat.pgmajfault, 2u);
  EXPECT_FALSE(m.stat.swap);
  EXPECT_EQ(m.events.high, 12u);
  EXPECT_EQ(m.events.max, 3u);
  EXPECT_EQ(m.events.oom_kill, 1u);
  EXPECT_FALSE(m.events.under_oom);
}

TEST(CgroupMemoryV2, MissingFilesAreUnknown) {
  auto m = read_cgroup_memory(cgroup_fixture("v2/parent"));
  EXPECT_EQ(m.current, 50 * MiB);
  EXPECT_FALSE(m.peak) << "no memory.peak (kernels before 5.19)";
  EXPECT_FALSE(m.high);
  EXPECT_FALSE(m.events.max) << "no memory.events";
}

TEST(CgroupMemory, ADirectoryWithoutMemoryFilesOrNoDirectoryIsAnError) {
  EXPECT_EQ(read_cgroup_memory(cgroup_fixture("v2/noctl")).error, ENOENT);
  auto gone = read_cgroup_memory(cgroup_fixture("no-such-cgroup"));
  EXPECT_EQ(gone.error, ENOENT);
  EXPECT_FALSE(gone.current);
}

TEST(CgroupMemoryParse, StatAndEventsLeaveMissingOrBadFieldsUnknown) {
  CgroupMemoryStat stat;
  std::optional<SizeLimit> effective;
  cgroup::parse_memory_stat_v1("total_rss 4096\ntotal_cache x\nhierarchical_memory_limit 8192", stat, effective);
  EXPECT_EQ(stat.anon, 4096u);
  EXPECT_FALSE(stat.file);
  EXPECT_EQ(effective, SizeLimit{8192});
  CgroupMemoryEvents events;
  cgroup::parse_memory_events_v2("low 1\nhigh 2\nmax", events);
  EXPECT_EQ(events.high, 2u);
  EXPECT_FALSE(events.max);
}

TEST(ProcCgroup, FindsTheV2PathAndTheV1MemoryPath) {
  auto text = sys::read_file(test::fixture("proc/self_cgroup_hybrid"));  // the paths are views into it
  auto hybrid = cgroup::parse_proc_cgroup(text);
  ASSERT_TRUE(hybrid.v2 && hybrid.v1_memory);
  EXPECT_EQ(*hybrid.v2, "/");
  EXPECT_EQ(hybrid.v1_memory->substr(0, 13), "/process_api/");
  auto pure = cgroup::parse_proc_cgroup("0::/user.slice/user-1000.slice/session-2.scope\n");
  EXPECT_EQ(pure.v2, "/user.slice/user-1000.slice/session-2.scope");
  EXPECT_FALSE(pure.v1_memory);
  auto joined = cgroup::parse_proc_cgroup("5:cpu,memory,pids:/a:b\n7:name=systemd:/x\nbad line\n9:memoryless:/y\n");
  EXPECT_EQ(joined.v1_memory, "/a:b");
  EXPECT_FALSE(joined.v2);
}

TEST(Mountinfo, FindsTheCgroupMounts) {
  auto text = sys::read_file(test::fixture("proc/mountinfo_hybrid"));  // the mounts are views into it
  auto hybrid = cgroup::parse_cgroup_mounts(text);
  ASSERT_TRUE(hybrid.v2 && hybrid.v1_memory);
  EXPECT_EQ(hybrid.v2->mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(hybrid.v1_memory->mount_point, "/sys/fs/cgroup/memory");
  EXPECT_EQ(hybrid.v1_memory->root, "/");
  auto other = cgroup::parse_cgroup_mounts(
      "30 1 0:26 /docker/abc /sys/fs/cgroup/my\\040mem rw shared:9 - cgroup cgroup rw,memory\n"
      "31 1 0:27 / /sys/fs/cgroup/memoryless rw - cgroup cgroup rw,cpu\n"
      "truncated line - cgroup2\n");
  ASSERT_TRUE(other.v1_memory);
  EXPECT_EQ(other.v1_memory->root, "/docker/abc");
  EXPECT_EQ(other.v1_memory->mount_point, "/sys/fs/cgroup/my\\040mem");
  EXPECT_FALSE(other.v2);
}

TEST(MemoryCgroupDir, JoinsTheMountAndThePath) {
  EXPECT_EQ(cgroup::unescape_mount_path("/a\\040b\\134c\\0"), "/a b\\c\\0");
  cgroup::CgroupMount root{"/", "/sys/fs/cgroup/memory"};
  EXPECT_EQ(cgroup::cgroup_dir(root, "/job/1"), "/sys/fs/cgroup/memory/job/1");
  EXPECT_EQ(cgroup::cgroup_dir(root, "/"), "/sys/fs/cgroup/memory");
  cgroup::CgroupMount subtree{"/docker/abc", "/sys/fs/cgroup/memory"};
  EXPECT_EQ(cgroup::cgroup_dir(subtree, "/docker/abc"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(cgroup::cgroup_dir(subtree, "/docker/abc/w"), "/sys/fs/cgroup/memory/w");
  EXPECT_EQ(cgroup::cgroup_dir(subtree, "/docker/abcd"), "/sys/fs/cgroup/memory/docker/abcd");
}

TEST(MemoryCgroupDir, PrefersV2OnlyWhenItHasTheMemoryController) {
  auto proc_cgroup = sys::read_file(test::fixture("proc/self_cgroup_hybrid"));
  auto mountinfo = sys::read_file(test::fixture("proc/mountinfo_hybrid"));
  auto v1 = cgroup::memory_cgroup_dir(proc_cgroup, mountinfo, false);
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->substr(0, 34), "/sys/fs/cgroup/memory/process_api/");
  EXPECT_EQ(cgroup::memory_cgroup_dir(proc_cgroup, mountinfo, true), "/sys/fs/cgroup/unified");
  EXPECT_FALSE(cgroup::memory_cgroup_dir("0::/\n", "", false));
}

}  // namespace
}  // namespace reins
