// The limit table and its conversions, and the cgroup file parsers, without any kernel.
#include <gtest/gtest.h>

#include <map>

#include "cgroup/knobs.hpp"
#include "cgroup/parse.hpp"
#include "reins/error.hpp"

using namespace std::chrono_literals;

namespace reins::cgroup {
namespace {

// Encodes `limits` with the table's column for `v`, reading "current" values from `files`.
std::vector<FileWrite> encode(const JobLimits& limits, Version v, std::map<std::string, std::string> files = {}) {
  FileReader reader = [&](const char* f) -> std::optional<std::string> {
    auto it = files.find(f);
    return it == files.end() ? std::nullopt : std::optional(it->second);
  };
  std::vector<FileWrite> out;
  for (const auto& k : knob_table())
    if (k.is_set(limits) && k.encode[column(v)]) k.encode[column(v)](limits, reader, out);
  return out;
}

JobLimits decode(Version v, std::map<std::string, std::string> files) {
  FileReader reader = [&](const char* f) -> std::optional<std::string> {
    auto it = files.find(f);
    return it == files.end() ? std::nullopt : std::optional(it->second);
  };
  JobLimits out;
  for (const auto& k : knob_table())
    if (k.decode[column(v)]) k.decode[column(v)](reader, out);
  return out;
}

std::vector<std::pair<std::string, std::string>> pairs(const std::vector<FileWrite>& w) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& x : w) out.emplace_back(x.file, x.text);
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(CgroupKnobs, CpuWeightFollowsSystemdsLinearMapping) {
  EXPECT_EQ(cpu_weight_to_shares(100), 1024u);
  EXPECT_EQ(cpu_weight_to_shares(1), 10u);
  EXPECT_EQ(cpu_weight_to_shares(10000), 102400u);
  EXPECT_EQ(cpu_shares_to_weight(1024), 100u);
  EXPECT_EQ(cpu_shares_to_weight(2), 1u);
  EXPECT_EQ(cpu_shares_to_weight(262144), 10000u);
  for (std::uint64_t w : {1u, 50u, 100u, 250u, 5000u, 10000u})
    EXPECT_EQ(cpu_shares_to_weight(cpu_weight_to_shares(w)), w) << w;
}

TEST(CgroupKnobs, MemoryAndSwapOnV2AreSeparateFiles) {
  JobLimits l;
  l.memory_max = SizeLimit{64 << 20};
  l.memory_high = SizeLimit{};
  l.swap_max = SizeLimit{0};
  EXPECT_EQ(pairs(encode(l, Version::v2)),
            (Pairs{{"memory.max", "67108864"}, {"memory.high", "max"}, {"memory.swap.max", "0"}}));
}

TEST(CgroupKnobs, SwapOnV1IsMemoryPlusSwap) {
  JobLimits l;
  l.memory_max = SizeLimit{64 << 20};
  l.swap_max = SizeLimit{16 << 20};
  EXPECT_EQ(pairs(encode(l, Version::v1)),
            (Pairs{{"memory.limit_in_bytes", "67108864"}, {"memory.memsw.limit_in_bytes", "83886080"}}));
  JobLimits unlimited;
  unlimited.memory_max = SizeLimit{64 << 20};
  unlimited.swap_max = SizeLimit{};
  EXPECT_EQ(encode(unlimited, Version::v1)[1].text, "-1");
}

TEST(CgroupKnobs, V1SwapWithoutAMemoryLimitIsRefused) {
  JobLimits l;
  l.swap_max = SizeLimit{0};
  EXPECT_THROW(encode(l, Version::v1, {{"memory.limit_in_bytes", "9223372036854771712\n"}}), InvalidArgument);
  // With a memory limit in force the swap limit is relative to it.
  auto w = encode(l, Version::v1, {{"memory.limit_in_bytes", "1048576\n"}});
  EXPECT_EQ(pairs(w), (Pairs{{"memory.memsw.limit_in_bytes", "1048576"}}));
}

TEST(CgroupKnobs, V1MemoryChangeKeepsTheSwapAllowanceInForce) {
  JobLimits l;
  l.memory_max = SizeLimit{200 << 20};
  auto w = encode(l, Version::v1,
                  {{"memory.limit_in_bytes", "104857600\n"}, {"memory.memsw.limit_in_bytes", "113246208\n"}});
  EXPECT_EQ(pairs(w), (Pairs{{"memory.limit_in_bytes", "209715200"}, {"memory.memsw.limit_in_bytes", "218103808"}}));
}

TEST(CgroupKnobs, CpuQuotaIsCpuMaxOnV2AndPeriodThenQuotaOnV1) {
  JobLimits l;
  l.cpu_quota = CpuQuota::cpus(1.5);
  EXPECT_EQ(pairs(encode(l, Version::v2)), (Pairs{{"cpu.max", "150000 100000"}}));
  EXPECT_EQ(pairs(encode(l, Version::v1)), (Pairs{{"cpu.cfs_period_us", "100000"}, {"cpu.cfs_quota_us", "150000"}}));
  l.cpu_quota = CpuQuota{};
  EXPECT_EQ(pairs(encode(l, Version::v2)), (Pairs{{"cpu.max", "max 100000"}}));
  EXPECT_EQ(pairs(encode(l, Version::v1))[1].second, "-1");
}

TEST(CgroupKnobs, IoLimitsArePerDeviceLinesOnBothVersions) {
  JobLimits l;
  l.io.push_back({254, 0, IoLimitKind::read_bps, 10'000'000});
  l.io.push_back({8, 16, IoLimitKind::write_iops, std::nullopt});
  EXPECT_EQ(pairs(encode(l, Version::v2)), (Pairs{{"io.max", "254:0 rbps=10000000"}, {"io.max", "8:16 wiops=max"}}));
  EXPECT_EQ(pairs(encode(l, Version::v1)), (Pairs{{"blkio.throttle.read_bps_device", "254:0 10000000"},
                                                  {"blkio.throttle.write_iops_device", "8:16 0"}}));
}

TEST(CgroupKnobs, DecodingReadsBackWhatEncodingWrote) {
  JobLimits v1 = decode(Version::v1, {{"memory.limit_in_bytes", "67108864\n"},
                                      {"memory.memsw.limit_in_bytes", "67108864\n"},
                                      {"cpu.cfs_quota_us", "-1\n"},
                                      {"cpu.cfs_period_us", "100000\n"},
                                      {"cpu.shares", "2560\n"},
                                      {"pids.max", "max\n"},
                                      {"cpuset.cpus", "0-1\n"},
                                      {"blkio.throttle.read_bps_device", "254:0 1048576\n"}});
  EXPECT_EQ(v1.memory_max, std::optional<SizeLimit>(SizeLimit{64 << 20}));
  EXPECT_EQ(v1.swap_max, std::optional<SizeLimit>(SizeLimit{0}));
  EXPECT_EQ(v1.cpu_quota->quota, std::nullopt);
  EXPECT_EQ(v1.cpu_weight, 250u);
  EXPECT_EQ(v1.pids_max, std::optional<SizeLimit>(SizeLimit{}));
  EXPECT_EQ(v1.cpuset_cpus, "0-1");
  ASSERT_EQ(v1.io.size(), 1u);
  EXPECT_EQ(v1.io[0], (IoDeviceLimit{254, 0, IoLimitKind::read_bps, 1048576}));
  JobLimits v2 = decode(Version::v2, {{"memory.max", "max\n"},
                                      {"memory.swap.max", "0\n"},
                                      {"cpu.max", "20000 100000\n"},
                                      {"cpu.weight", "100\n"},
                                      {"io.max", "254:0 rbps=max wbps=1000 riops=max wiops=max\n"}});
  EXPECT_EQ(v2.memory_max, std::optional<SizeLimit>(SizeLimit{}));
  EXPECT_EQ(v2.cpu_quota, CpuQuota::cpus(0.2));
  // The kernel lists all four keys once one is set; "max" is no cap, so only the one limit reads back.
  ASSERT_EQ(v2.io.size(), 1u);
  EXPECT_EQ(v2.io[0], (IoDeviceLimit{254, 0, IoLimitKind::write_bps, 1000}));
}

TEST(CgroupKnobs, EveryKnobNamesASystemdPropertyAndAFileOnV2) {
  for (const auto& k : knob_table()) {
    EXPECT_NE(std::string(k.property), "");
    EXPECT_NE(k.file[1], nullptr) << k.property << ": every limit exists on cgroup v2";
    EXPECT_EQ(k.file[0] != nullptr, k.encode[0] != nullptr) << k.property;
  }
}

TEST(CgroupParse, IoStatAndBlkioStat) {
  auto v2 = parse_io_stat("254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:0 rbytes=1\n");
  ASSERT_EQ(v2.size(), 2u);
  EXPECT_EQ(v2[0].write_bytes, 8192u);
  EXPECT_EQ(v2[0].write_ios, 2u);
  std::vector<JobIoDeviceStats> v1;
  add_blkio_stat("254:0 Read 100\n254:0 Write 200\n254:0 Sync 300\n254:0 Total 300\nTotal 300\n", true, v1);
  add_blkio_stat("254:0 Read 1\n254:0 Write 2\n", false, v1);
  ASSERT_EQ(v1.size(), 1u);
  EXPECT_EQ(v1[0].read_bytes, 100u);
  EXPECT_EQ(v1[0].write_bytes, 200u);
  EXPECT_EQ(v1[0].read_ios, 1u);
  EXPECT_EQ(v1[0].write_ios, 2u);
}

TEST(CgroupParse, CpuMaxCpuListsAndLimitValues) {
  EXPECT_EQ(parse_cpu_max("max 100000\n"), (CpuQuota{std::nullopt, 100000us}));
  EXPECT_EQ(parse_cpu_max("50000 1000000"), (CpuQuota{50000us, 1000000us}));
  EXPECT_FALSE(parse_cpu_max("50000"));
  EXPECT_FALSE(parse_cpu_max("x 100"));
  for (const char* ok : {"0", "0-3", "0-3,5,7-8", " 1 \n"}) EXPECT_TRUE(valid_cpu_list(ok)) << ok;
  for (const char* bad : {"", "-1", "3-1", "1,,2", "a", "1-", "0x1"}) EXPECT_FALSE(valid_cpu_list(bad)) << bad;
  EXPECT_EQ(parse_v1_limit("9223372036854771712\n"), std::optional<SizeLimit>(SizeLimit{}));
  EXPECT_EQ(parse_v1_limit("-1"), std::optional<SizeLimit>(SizeLimit{}));
  EXPECT_EQ(parse_v1_limit("4096"), std::optional<SizeLimit>(SizeLimit{4096}));
  EXPECT_EQ(parse_v2_limit("max\n"), std::optional<SizeLimit>(SizeLimit{}));
  EXPECT_FALSE(parse_v2_limit("-1"));
}

}  // namespace
}  // namespace reins::cgroup
