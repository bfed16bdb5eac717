// systemd resource-control properties and the CLI's value parsers.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "reins/error.hpp"
#include "reins/job.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

JobLimits props(std::initializer_list<const char*> assignments) {
  JobLimits l;
  for (const char* a : assignments) apply_job_property(l, a);
  return l;
}

TEST(JobProperties, MemoryTakesBase1024SizesPercentagesAndInfinity) {
  EXPECT_EQ(props({"MemoryMax=1G"}).memory_max, std::optional<SizeLimit>(SizeLimit{1ull << 30}));
  EXPECT_EQ(props({"MemoryHigh=512M"}).memory_high, std::optional<SizeLimit>(SizeLimit{512ull << 20}));
  EXPECT_EQ(props({"MemorySwapMax=infinity"}).swap_max, std::optional<SizeLimit>(SizeLimit{}));
  auto half = props({"MemoryMax=50%"}).memory_max;
  auto ram = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  ASSERT_TRUE(half && *half);
  EXPECT_NEAR(static_cast<double>(**half), static_cast<double>(ram) / 2, 4096);
}

TEST(JobProperties, CpuQuotaIsAPercentageOfOneCpuAndThePeriodKeepsIt) {
  EXPECT_EQ(props({"CPUQuota=150%"}).cpu_quota, CpuQuota::cpus(1.5));
  EXPECT_EQ(props({"CPUQuota=20%"}).cpu_quota->quota, 20000us);
  auto l = props({"CPUQuota=50%", "CPUQuotaPeriodSec=10ms"});
  EXPECT_EQ(l.cpu_quota->period, 10000us);
  EXPECT_EQ(l.cpu_quota->quota, 5000us);
  EXPECT_EQ(props({"CPUQuota="}).cpu_quota->quota, std::nullopt);
  EXPECT_EQ(props({"CPUQuotaPeriodSec=5s"}).cpu_quota->period, 1000000us) << "clamped to 1 s as systemd does";
}

TEST(JobProperties, WeightCpusTasks) {
  EXPECT_EQ(props({"CPUWeight=50"}).cpu_weight, 50u);
  EXPECT_EQ(props({"CPUWeight="}).cpu_weight, 100u);
  EXPECT_EQ(props({"AllowedCPUs=0-1,3"}).cpuset_cpus, "0-1,3");
  EXPECT_EQ(props({"AllowedMemoryNodes=0"}).cpuset_mems, "0");
  EXPECT_EQ(props({"TasksMax=64"}).pids_max, std::optional<SizeLimit>(SizeLimit{64}));
  EXPECT_EQ(props({"TasksMax=infinity"}).pids_max, std::optional<SizeLimit>(SizeLimit{}));
  auto pct = props({"TasksMax=10%"}).pids_max;
  ASSERT_TRUE(pct && *pct);
  EXPECT_GT(**pct, 0u);
}

TEST(JobProperties, IoTakesAPathAndABase1000Value) {
  struct stat st {};
  if (stat("/", &st) != 0 || major(st.st_dev) == 0) GTEST_SKIP() << "/ is not on a block device here";
  auto l = props({"IOReadBandwidthMax=/ 10M", "IOWriteIOPSMax=/ 2K", "IOReadBandwidthMax=/ 20M"});
  ASSERT_EQ(l.io.size(), 2u) << "the same device and kind is replaced, not added";
  auto [maj, min] = block_device_of("/");
  EXPECT_EQ(l.io[0], (IoDeviceLimit{maj, min, IoLimitKind::write_iops, 2000}));
  EXPECT_EQ(l.io[1], (IoDeviceLimit{maj, min, IoLimitKind::read_bps, 20'000'000}));
  EXPECT_THROW(props({"IOReadBandwidthMax=/dev/nonexistent-reins 1M"}), Error);
}

TEST(JobProperties, BadInputIsRefusedQuotingItAndListingTheValidForms) {
  for (const char* bad : {"MemoryMax=lots", "CPUQuota=150", "CPUQuota=-5%", "CPUWeight=0", "CPUWeight=idle",
                          "AllowedCPUs=0-", "TasksMax=many", "IOReadBandwidthMax=/", "NoSuchThing=1", "MemoryMax"}) {
    try {
      props({bad});
      ADD_FAILURE() << "accepted " << bad;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find('\''), std::string::npos) << e.what();
    }
  }
  try {
    props({"Bogus=1"});
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("MemoryMax"), std::string::npos) << "lists the valid names: " << e.what();
  }
}

TEST(JobProperties, CpusAndNamesAndMerge) {
  EXPECT_EQ(parse_cpus("0.2").quota, 20000us);
  EXPECT_THROW(parse_cpus("0"), InvalidArgument);
  EXPECT_THROW(parse_cpus("0.001"), InvalidArgument) << "below 1 ms per period";
  EXPECT_THROW(parse_cpus("-1"), InvalidArgument);
  auto l = props({"MemoryMax=1G", "TasksMax=5"});
  EXPECT_EQ(property_names(l), (std::vector<std::string>{"MemoryMax", "TasksMax"}));
  EXPECT_FALSE(l.empty());
  EXPECT_TRUE(JobLimits{}.empty());
  JobLimits m = props({"MemoryMax=2G"});
  m.merge(l);
  EXPECT_EQ(m.memory_max, l.memory_max);
  EXPECT_EQ(m.pids_max, l.pids_max);
}

}  // namespace
}  // namespace reins

namespace reins {
namespace {

// systemd's cgroup v1 names, mapped as systemd maps them.
TEST(JobProperties, SystemdsV1NamesMapToTheV2Limits) {
  JobLimits l;
  apply_job_property(l, "MemoryLimit=100M");
  EXPECT_EQ(**l.memory_max, 100u << 20);
  apply_job_property(l, "CPUShares=512");
  EXPECT_EQ(*l.cpu_weight, 50u);
  apply_job_property(l, "CPUShares=262144");
  EXPECT_EQ(*l.cpu_weight, 10000u) << "clamped to CPUWeight's range";
  EXPECT_THROW(apply_job_property(l, "CPUShares=1"), InvalidArgument);
}

// What reins does not do is refused with the reason, not as an unknown name.
TEST(JobProperties, UnsupportedAndRunLevelPropertiesAreRefusedWithTheReason) {
  auto why = [](const char* assignment) {
    JobLimits l;
    try {
      apply_job_property(l, assignment);
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(why("MemoryMin=1G").find("memory protection"), std::string::npos);
  EXPECT_NE(why("MemoryLow=1G").find("memory protection"), std::string::npos);
  EXPECT_NE(why("CPUWeight=idle").find("cpu.idle"), std::string::npos);
  EXPECT_NE(why("LimitNOFILE=64").find("'reins run -p LimitNOFILE=64' takes it"), std::string::npos);
  EXPECT_NE(why("RuntimeMaxSec=5").find("a run's, not a job's"), std::string::npos);
  EXPECT_NE(why("Bogus=1").find("expected NAME=VALUE with NAME one of"), std::string::npos) << "the negative control";
}

}  // namespace
}  // namespace reins
