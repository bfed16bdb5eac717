// rlimits against the real kernel, on a child so the test process keeps its own limits.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "reins/process.hpp"
#include "reins/rlimit.hpp"
#include "reins/rusage.hpp"
#include "support/support.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

Process sleeper() {
  Command c;
  c.argv = {test::testproc(), "sleep", "60"};
  return Process::spawn(c);
}

// A number cast to Resource by a caller (a binding, a config file) is checked, never an index out of bounds.
TEST(Rlimit, AResourceOutsideTheEnumIsInvalidArgument) {
  EXPECT_THROW(get_rlimit(static_cast<Resource>(42)), InvalidArgument);
  EXPECT_THROW(info(static_cast<Resource>(-1)), InvalidArgument);
  EXPECT_EQ(info(Resource::nofile).name, "nofile");
}

TEST(Rlimit, SetOnAnotherProcessThenReadBack) {
  auto p = sleeper();
  set_rlimit(Resource::nofile, {RlimitValue(100), RlimitValue(200)}, p.pid());
  auto got = get_rlimit(Resource::nofile, p.pid());
  EXPECT_EQ(got.soft, RlimitValue(100));
  EXPECT_EQ(got.hard, RlimitValue(200));
  set_rlimit(Resource::core, {RlimitValue(0), RlimitValue::unlimited()}, p.pid());
  EXPECT_TRUE(get_rlimit(Resource::core, p.pid()).hard.is_unlimited());
}

TEST(Rlimit, SoftAboveHardIsRejectedAndNothingChanges) {
  auto p = sleeper();
  auto before = get_rlimit(Resource::nofile, p.pid());
  EXPECT_THROW(set_rlimit(Resource::nofile, {RlimitValue(300), RlimitValue(200)}, p.pid()), InvalidArgument);
  EXPECT_EQ(get_rlimit(Resource::nofile, p.pid()), before);
}

TEST(Rlimit, ApplyIsAllOrNothing) {
  auto p = sleeper();
  auto core_before = get_rlimit(Resource::core, p.pid());
  std::vector<RlimitSetting> settings{parse_rlimit_setting("core=0:0"), parse_rlimit_setting("nofile=50:10")};
  EXPECT_THROW(apply_rlimits(settings, p.pid()), InvalidArgument);
  EXPECT_EQ(get_rlimit(Resource::core, p.pid()), core_before) << "the valid first setting was not applied";
}

TEST(Rlimit, RaisingTheHardLimitWithoutCapSysResourceIsRefusedClearly) {
  if (has_cap_sys_resource()) GTEST_SKIP() << "this process has CAP_SYS_RESOURCE, so raising is allowed";
  auto p = sleeper();
  set_rlimit(Resource::nofile, {RlimitValue(100), RlimitValue(200)}, p.pid());
  try {
    apply_rlimits(std::vector{parse_rlimit_setting("nofile=:400")}, p.pid());
    FAIL() << "raised a hard limit without CAP_SYS_RESOURCE";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EPERM);
    EXPECT_NE(std::string(e.what()).find("CAP_SYS_RESOURCE"), std::string::npos) << e.what();
  }
  // Lowering is always allowed.
  apply_rlimits(std::vector{parse_rlimit_setting("nofile=:150")}, p.pid());
  EXPECT_EQ(get_rlimit(Resource::nofile, p.pid()).hard, RlimitValue(150));
}

TEST(Rlimit, HardOnlyBelowSoftLowersBoth) {
  auto p = sleeper();
  set_rlimit(Resource::nofile, {RlimitValue(100), RlimitValue(200)}, p.pid());
  apply_rlimits(std::vector{parse_rlimit_setting("nofile=:50")}, p.pid());
  EXPECT_EQ(get_rlimit(Resource::nofile, p.pid()), (Rlimit{RlimitValue(50), RlimitValue(50)}));
}

TEST(Rlimit, NoSuchProcess) {
  try {
    get_rlimit(Resource::nofile, 999999999);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ESRCH);
    EXPECT_NE(std::string(e.what()).find("999999999"), std::string::npos);
  }
}

TEST(Rlimit, SelfIsPidZero) {
  ::rlimit native{};
  getrlimit(RLIMIT_NOFILE, &native);
  auto ours = get_rlimit(Resource::nofile);
  EXPECT_EQ(ours.soft, native.rlim_cur == RLIM_INFINITY ? RlimitValue::unlimited() : RlimitValue(native.rlim_cur));
}

TEST(Rusage, ChildrenIncludeAReapedSpinner) {
  auto before = get_rusage(RusageWho::children);
  Command c;
  c.argv = {test::testproc(), "burn", "0.2"};  // 0.2 s of CPU time, however loaded the machine is
  Process::spawn(c).wait();
  auto after = get_rusage(RusageWho::children);
  EXPECT_GE((after.user_time + after.system_time) - (before.user_time + before.system_time), 100ms);
  EXPECT_GT(after.max_rss_bytes, 0u);
  EXPECT_EQ(after.max_rss_bytes % 1024, 0u) << "converted from KiB";
}

TEST(Rusage, SelfAndThreadAndPageSize) {
  auto self = get_rusage(RusageWho::self);
  auto thread = get_rusage(RusageWho::thread);
  EXPECT_GT(self.max_rss_bytes, 1024u * 1024) << "a gtest binary holds at least 1 MiB";
  // The kernel adjusts thread and process times separately (by up to a few ticks), so compare loosely.
  EXPECT_LE(thread.user_time, self.user_time + 50ms);
  EXPECT_GT(thread.minor_faults, 0);
  EXPECT_EQ(page_size(), static_cast<size_t>(sysconf(_SC_PAGESIZE)));
}

}  // namespace
}  // namespace reins
