// The procfs memory parsers, on files captured from the test machine (tests/fixtures/proc/) and on
// hand-written edge cases: missing fields, huge values, truncated lines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "procfs/identity.hpp"
#include "procfs/memory_parse.hpp"
#include "procfs/tree_parse.hpp"
#include "support/support.hpp"
#include "sys/file_io.hpp"

namespace reins {
namespace {

using procfs::parse_smaps_rollup;
using procfs::parse_statm;
using procfs::parse_status_memory;

constexpr std::uint64_t KiB = 1024;

std::string proc_fixture(const std::string& name) { return sys::read_file_or_throw(test::fixture("proc/" + name)); }

TEST(SmapsRollup, ParsesEveryFieldOfACapturedFile) {
  ProcessMemory m;
  ASSERT_EQ(parse_smaps_rollup(proc_fixture("smaps_rollup"), m), 0);
  EXPECT_EQ(m.rss, 14092 * KiB);
  EXPECT_EQ(m.pss, 12224 * KiB);
  EXPECT_EQ(m.pss_dirty, 7372 * KiB);
  EXPECT_EQ(m.pss_anon, 7372 * KiB);
  EXPECT_EQ(m.pss_file, 4852 * KiB);
  EXPECT_EQ(m.pss_shmem, 0u);
  EXPECT_EQ(m.shared_clean, 2204 * KiB);
  EXPECT_EQ(m.shared_dirty, 0u);
  EXPECT_EQ(m.private_clean, 4516 * KiB);
  EXPECT_EQ(m.private_dirty, 7372 * KiB);
  EXPECT_EQ(m.uss, (4516 + 7372) * KiB);
  EXPECT_EQ(m.swap, 0u);
  EXPECT_EQ(m.swap_pss, 0u);
  EXPECT_EQ(m.anon_huge, 0u);
  EXPECT_FALSE(m.vm_hwm);  // not in this file: unknown, not 0
}

TEST(SmapsRollup, ReadsSwapAndHugePages) {
  ProcessMemory m;
  ASSERT_EQ(parse_smaps_rollup(proc_fixture("smaps_rollup_swap_thp"), m), 0);
  EXPECT_EQ(m.swap, 512 * KiB * KiB);
  EXPECT_EQ(m.swap_pss, 256 * KiB * KiB);
  EXPECT_EQ(m.anon_huge, 2095104 * KiB);
  EXPECT_EQ(m.uss, (5904 + 2097192) * KiB);
}

TEST(SmapsRollup, EmptyTextMeansNoMemoryMapAndTruncatedTextDoesNotParse) {
  ProcessMemory m;
  EXPECT_EQ(parse_smaps_rollup("", m), ESRCH);
  EXPECT_EQ(parse_smaps_rollup("55996bffd000-7ffe8b646000 ---p 00000000 00:00 0  [rollup]\nRss:   1640 kB\nPs", m),
            EINVAL);
  EXPECT_FALSE(m.pss);
}

TEST(SmapsRollup, MissingFieldsStayUnknownAndUssNeedsBothPrivateParts) {
  ProcessMemory m;
  ASSERT_EQ(parse_smaps_rollup("Rss: 8 kB\nPss: 4 kB\nPrivate_Dirty: 4 kB\n", m), 0);
  EXPECT_EQ(m.pss, 4 * KiB);
  EXPECT_EQ(m.private_dirty, 4 * KiB);
  EXPECT_FALSE(m.private_clean);
  EXPECT_FALSE(m.uss);
  EXPECT_FALSE(m.swap);
}

TEST(SmapsRollup, HugeValuesParseUntilTheyOverflow) {
  ProcessMemory m;
  // 2^53 kB is 2^63 bytes and fits in 64 bits; 2^60 kB does not and must not wrap around to a small number.
  ASSERT_EQ(parse_smaps_rollup("Pss: 9007199254740992 kB\nRss: 1152921504606846976 kB\n", m), 0);
  EXPECT_EQ(m.pss, 9007199254740992ull * KiB);
  EXPECT_FALSE(m.rss);
  ASSERT_EQ(
      parse_smaps_rollup("Pss: 1 kB\nPrivate_Clean: 9007199254740992 kB\nPrivate_Dirty: 9007199254740992 kB\n", m), 0);
  EXPECT_FALSE(m.uss) << "the sum overflows, so it is unknown";
}

TEST(Status, ParsesTheMemoryFieldsOfACapturedFile) {
  ProcessMemory m;
  ASSERT_EQ(parse_status_memory(proc_fixture("status"), m), 0);
  EXPECT_EQ(m.rss, 14092 * KiB);
  EXPECT_EQ(m.vm_hwm, 14092 * KiB);
  EXPECT_EQ(m.vm_size, 16804 * KiB);
  EXPECT_EQ(m.rss_anon, 7372 * KiB);
  EXPECT_EQ(m.rss_file, 6720 * KiB);
  EXPECT_EQ(m.rss_shmem, 0u);
  EXPECT_EQ(m.swap, 0u);
  EXPECT_FALSE(m.pss);
}

TEST(Status, KernelThreadsAndZombiesHaveNoMemoryMap) {
  for (const char* name : {"status_kthread", "status_zombie"}) {
    ProcessMemory m;
    EXPECT_EQ(parse_status_memory(proc_fixture(name), m), ESRCH) << name;
    EXPECT_FALSE(m.rss) << name;
  }
  ProcessMemory m;
  EXPECT_EQ(parse_status_memory("Name:\tcat\nUmask:\t00", m), EINVAL) << "truncated before State";
}

TEST(Statm, ConvertsPagesToBytes) {
  ProcessMemory m;
  ASSERT_EQ(parse_statm(proc_fixture("statm"), 4096, m), 0);  // "4201 3523 1680 1 0 2059 0"
  EXPECT_EQ(m.vm_size, 4201u * 4096);
  EXPECT_EQ(m.rss, 3523u * 4096);
  EXPECT_EQ(m.rss_anon, (3523u - 1680) * 4096);
  EXPECT_FALSE(m.rss_file);
}

TEST(Statm, ZerosMeanNoMemoryMapAndGarbageDoesNotParse) {
  ProcessMemory m;
  EXPECT_EQ(parse_statm(proc_fixture("statm_kthread"), 4096, m), ESRCH);
  EXPECT_EQ(parse_statm(proc_fixture("statm_zombie"), 4096, m), ESRCH);
  for (const char* bad : {"", "12", "12 34", "12 x 5", "10 5 6 0 0 0 0", "-1 2 3", "99999999999999999999 1 1"})
    EXPECT_EQ(parse_statm(bad, 4096, m), EINVAL) << bad;
  EXPECT_EQ(parse_statm("4503599627370496 1 1", 4096, m), EINVAL) << "size × page size overflows";
  EXPECT_FALSE(m.rss);
}

TEST(Meminfo, ParsesACapturedFile) {
  auto s = procfs::parse_meminfo(proc_fixture("meminfo"));
  ASSERT_TRUE(s.total && s.available && s.free && s.swap_total && s.swap_free && s.committed);
  EXPECT_GT(*s.total, 1ull << 30);
  EXPECT_LE(*s.available, *s.total);
  EXPECT_LE(*s.free, *s.total);
  EXPECT_EQ(*s.total % 1024, 0u) << "kB are converted to bytes";
}

TEST(Meminfo, MissingFieldsAreUnknown) {
  auto s = procfs::parse_meminfo("MemTotal:       16384 kB\nMemFree:  4096 kB\nMemAvai");
  EXPECT_EQ(s.total, 16384 * KiB);
  EXPECT_EQ(s.free, 4096 * KiB);
  EXPECT_FALSE(s.available);
  EXPECT_FALSE(s.swap_total);
}

TEST(Pressure, ParsesCapturedFiles) {
  auto p = procfs::parse_pressure(proc_fixture("pressure_cpu"));
  ASSERT_TRUE(p.some && p.full);
  EXPECT_DOUBLE_EQ(p.some->avg10, 38.33);
  EXPECT_DOUBLE_EQ(p.some->avg60, 37.64);
  EXPECT_DOUBLE_EQ(p.some->avg300, 25.83);
  EXPECT_EQ(p.some->total, std::chrono::microseconds(168532210));
  EXPECT_EQ(p.full->total, std::chrono::nanoseconds(0));
  auto m = procfs::parse_pressure(proc_fixture("pressure_memory"));
  EXPECT_TRUE(m.some && m.full);
}

TEST(Pressure, ABadOrTruncatedLineIsUnknownAndNewFieldsAreIgnored) {
  auto p =
      procfs::parse_pressure("some avg10=1.50 avg60=0.25 avg300=0.00 total=77 avg3600=0.10\nfull avg10=1.00 avg60=0.2");
  ASSERT_TRUE(p.some);
  EXPECT_DOUBLE_EQ(p.some->avg10, 1.5);
  EXPECT_EQ(p.some->total, std::chrono::microseconds(77));
  EXPECT_FALSE(p.full);
  EXPECT_FALSE(procfs::parse_pressure("some avg10=x avg60=0 avg300=0 total=1\n").some);
  EXPECT_FALSE(procfs::parse_pressure("some avg10=-1.0 avg60=0 avg300=0 total=1\n").some);
  EXPECT_FALSE(procfs::parse_pressure("some avg10=1 avg60=0 avg300=0 total=99999999999999999999\n").some);
}

TEST(ProcStat, FindsTheParentAfterACommandNameWithSpacesAndParentheses) {
  EXPECT_EQ(procfs::parse_stat_ppid(proc_fixture("stat")), 17492);
  EXPECT_EQ(procfs::parse_stat_ppid("42 (a) b (c)) S 7 42 42 0"), 7);
  EXPECT_EQ(procfs::parse_stat_ppid("2 (kthreadd) S 0 0 0 0"), 0);
  for (const char* bad : {"", "42 (x", "42 (x) S", "42 (x) S x 1", "42 (x)S 7 1"})
    EXPECT_FALSE(procfs::parse_stat_ppid(bad)) << bad;
}

TEST(ProcStat, FindsTheStartTimeInField22) {
  EXPECT_EQ(procfs::parse_stat_start_time(proc_fixture("stat")), 90190u);
  std::string fields = " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777";
  EXPECT_EQ(procfs::parse_stat_start_time("9 (a) b (c))" + fields + " 5 6\n"), 777u);
  EXPECT_EQ(procfs::parse_stat_start_time("9 (a)" + fields + "\n"), 777u) << "field 22 last, then a newline";
  for (std::string bad : {std::string(""), "9 (a)" + fields.substr(0, fields.size() - 4), "9 (a)" + fields + "x",
                          std::string("9 (a) S  1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777"), "9 (a" + fields})
    EXPECT_FALSE(procfs::parse_stat_start_time(bad)) << bad;
}

TEST(ProcessStamp, RoundTripsAndRejectsAnythingElse) {
  procfs::ProcessStamp stamp{1234, 90190, 4026531836};
  EXPECT_EQ(stamp.format(), "1234 90190 4026531836");
  auto back = procfs::ProcessStamp::parse(stamp.format());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->pid, 1234);
  EXPECT_EQ(back->start_time, 90190u);
  EXPECT_EQ(back->pid_ns, 4026531836u);
  for (const char* bad : {"", "1", "1 2", "1 2 3 4", "0 2 3", "-1 2 3", "1  2 3", "1 2 3 ", "x 2 3"})
    EXPECT_FALSE(procfs::ProcessStamp::parse(bad)) << "'" << bad << "'";
}

TEST(ProcessStamp, OursIsAliveAndAnotherStartTimeIsGone) {
  auto self = procfs::ProcessStamp::self();
  EXPECT_EQ(self.pid, ::getpid());
  EXPECT_FALSE(self.gone());
  auto reused = self;
  reused.start_time += 1;  // the same pid, another process: what a reused pid looks like
  EXPECT_TRUE(reused.gone());
  auto elsewhere = reused;
  elsewhere.pid_ns += 1;  // never judged across pid namespaces
  EXPECT_FALSE(elsewhere.gone());
}

TEST(ChildrenList, ListsPidsAndStopsAtGarbage) {
  std::vector<pid_t> pids;
  procfs::for_each_pid("12 345 6789 ", [&](pid_t p) { pids.push_back(p); });
  EXPECT_EQ(pids, (std::vector<pid_t>{12, 345, 6789}));
  pids.clear();
  procfs::for_each_pid("", [&](pid_t p) { pids.push_back(p); });
  procfs::for_each_pid("7 0 8", [&](pid_t p) { pids.push_back(p); });
  procfs::for_each_pid("9 99999999999 10", [&](pid_t p) { pids.push_back(p); });
  EXPECT_EQ(pids, (std::vector<pid_t>{7, 9}));
}

TEST(MergeUnknown, KeepsTheFirstSourcesValues) {
  ProcessMemory into, from;
  into.rss = 10;
  from.rss = 20;
  from.vm_hwm = 30;
  procfs::merge_unknown(into, from);
  EXPECT_EQ(into.rss, 10u);
  EXPECT_EQ(into.vm_hwm, 30u);
}

TEST(ProcessMemoryMetrics, NameEveryByteMetricOnce) {
  auto metrics = process_memory_metrics();
  EXPECT_EQ(metrics.size(), 19u);
  ProcessMemory m;
  for (const auto& metric : metrics) {
    EXPECT_FALSE(m.*metric.member) << metric.name << " is known before anything was read";
    m.*metric.member = 1;
  }
  EXPECT_TRUE(m.rss && m.pss && m.uss && m.anon_huge && m.swap_pss);
}

}  // namespace
}  // namespace reins
