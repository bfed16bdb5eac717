#include <gtest/gtest.h>
#include <sys/resource.h>

#include "reins/error.hpp"
#include "reins/process.hpp"
#include "reins/rlimit.hpp"

namespace reins {
namespace {

TEST(RlimitParse, EveryLinuxResourceHasAName) {
  EXPECT_EQ(all_resources().size(), 16u);
  for (const auto& r : all_resources()) {
    EXPECT_EQ(parse_resource(r.name), r.resource);
    EXPECT_EQ(&info(r.resource), &r);
  }
  EXPECT_EQ(info(Resource::nofile).native, RLIMIT_NOFILE);
  EXPECT_EQ(info(Resource::rttime).native, RLIMIT_RTTIME);
}

TEST(RlimitParse, UnknownNameListsTheValidOnes) {
  try {
    parse_resource("files");
    FAIL();
  } catch (const InvalidArgument& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'files'"), std::string::npos) << m;
    EXPECT_NE(m.find("nofile"), std::string::npos) << m;
  }
}

TEST(RlimitParse, SettingForms) {
  auto both = parse_rlimit_setting("nofile=1024:4096");
  EXPECT_EQ(both.resource, Resource::nofile);
  EXPECT_EQ(both.soft, RlimitValue(1024));
  EXPECT_EQ(both.hard, RlimitValue(4096));

  auto one = parse_rlimit_setting("nofile=512");
  EXPECT_EQ(one.soft, RlimitValue(512));
  EXPECT_EQ(one.hard, RlimitValue(512));

  auto soft_only = parse_rlimit_setting("nofile=100:");
  EXPECT_EQ(soft_only.soft, RlimitValue(100));
  EXPECT_FALSE(soft_only.hard);

  auto hard_only = parse_rlimit_setting("nofile=:200");
  EXPECT_FALSE(hard_only.soft);
  EXPECT_EQ(hard_only.hard, RlimitValue(200));

  EXPECT_EQ(parse_rlimit_setting("as=1G").soft, RlimitValue(1ull << 30));
  EXPECT_EQ(parse_rlimit_setting("cpu=10s").soft, RlimitValue(10));
  EXPECT_EQ(parse_rlimit_setting("cpu=2m").soft, RlimitValue(120));
  EXPECT_EQ(parse_rlimit_setting("rttime=250ms").soft, RlimitValue(250000));
  EXPECT_TRUE(parse_rlimit_setting("core=unlimited").hard->is_unlimited());
  EXPECT_TRUE(parse_rlimit_setting("core=0:infinity").hard->is_unlimited());
}

// prlimit's habits: its own upper-case names, and -1 for no limit (as ulimit and prlimit print it).
TEST(RlimitParse, TakesPrlimitsUpperCaseNamesAndMinusOne) {
  auto s = parse_rlimit_setting("NOFILE=100:-1");
  EXPECT_EQ(s.resource, Resource::nofile);
  EXPECT_EQ(s.soft->value(), 100u);
  EXPECT_TRUE(s.hard->is_unlimited());
  EXPECT_EQ(parse_resource("Stack"), Resource::stack);
}

TEST(RlimitParse, RejectsBadSettingsQuotingThem) {
  for (const char* bad : {"nofile", "nofile=", "nofile=:", "nofile=abc", "nofile=-2", "foo=1", "cpu=1.5s", "as=1Q",
                          "=5", "nofile=1:2:3", "nofile=1G"}) {
    try {
      parse_rlimit_setting(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(e.code().value(), EINVAL);
      EXPECT_FALSE(std::string(e.what()).empty());
    }
  }
}

TEST(RlimitValues, UnlimitedIsAboveEveryNumber) {
  EXPECT_GT(RlimitValue::unlimited(), RlimitValue(UINT64_MAX - 1));
  EXPECT_LT(RlimitValue(5), RlimitValue(6));
  EXPECT_EQ(RlimitValue::unlimited(), RlimitValue::unlimited());
  EXPECT_EQ(format_rlimit_value(Resource::cpu, RlimitValue(10)), "10s");
  EXPECT_EQ(format_rlimit_value(Resource::as, RlimitValue::unlimited()), "unlimited");
}

TEST(SignalNames, BothWays) {
  EXPECT_EQ(parse_signal("TERM"), SIGTERM);
  EXPECT_EQ(parse_signal("sigterm"), SIGTERM);
  EXPECT_EQ(parse_signal("SIGKILL"), SIGKILL);
  EXPECT_EQ(parse_signal("9"), SIGKILL);
  EXPECT_EQ(parse_signal("RTMIN+2"), SIGRTMIN + 2);
  EXPECT_EQ(signal_name(SIGUSR1), "USR1");
  EXPECT_EQ(signal_name(SIGRTMIN + 3), "RTMIN+3");
  for (const char* bad : {"", "FOO", "0", "65", "SIG", "RTMIN+99", "-1"})
    EXPECT_THROW(parse_signal(bad), InvalidArgument) << bad;
}

TEST(ExitStatusText, ShellCodesAndDescriptions) {
  ExitStatus exited{ExitStatus::How::exited, 3, false};
  EXPECT_EQ(exited.shell_code(), 3);
  EXPECT_EQ(exited.describe(), "exited with code 3");
  ExitStatus killed{ExitStatus::How::signaled, SIGTERM, false};
  EXPECT_EQ(killed.shell_code(), 143);
  EXPECT_EQ(killed.describe(), "killed by SIGTERM");
}

}  // namespace
}  // namespace reins
