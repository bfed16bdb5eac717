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
  EXPECT_EQ(m.headroom, 974 * MiB) << "the parent's memory.max less the parent's usage (which includes ours)";
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

}  // namespace
}  // namespace reins

namespace reins {
namespace {

TEST(MemoryCgroupDir, FollowsTheLayoutToTheMemoryHierarchy) {
  auto proc_cgroup = sys::read_file_or_throw(test::fixture("proc/self_cgroup_hybrid"));
  auto mountinfo = sys::read_file_or_throw(test::fixture("proc/mountinfo_hybrid"));
  // A fake prefix with no v2 cgroup.controllers: the cgroup2 mount offers no memory controller (hybrid).
  auto layout = cgroup::Layout::from_texts(mountinfo, proc_cgroup, {.root = "", .fs_prefix = "/nonexistent"});
  auto dir = cgroup::own_memory_dir(layout);
  ASSERT_TRUE(dir);
  EXPECT_NE(dir->find("/sys/fs/cgroup/memory/process_api/"), std::string::npos) << *dir;
}

}  // namespace
}  // namespace reins
