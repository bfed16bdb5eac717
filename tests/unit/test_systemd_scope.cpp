// The systemd layer's pure parts: unit names and the choice of manager. (Asking systemd for a scope is the
// systemd lane's: tests/systemd-vm, on a systemd-booted Debian.)
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "systemd/scope.hpp"

namespace reins::systemd {
namespace {

TEST(SystemdScope, NamedJobUnitsEscapeWhatUnitNamesCannotHold) {
  EXPECT_EQ(named_job_unit("build-42"), "reins-job-build-42.scope");
  EXPECT_EQ(named_job_unit("a.b_c@d:e"), "reins-job-a.b_c@d:e.scope");
  EXPECT_EQ(named_job_unit("x+y"), "reins-job-x\\x2by.scope") << "systemd's own escaping of '+'";
}

TEST(SystemdScope, ManagersByName) {
  EXPECT_EQ(parse_manager("system"), Manager::system);
  EXPECT_EQ(parse_manager("user"), Manager::user);
  EXPECT_EQ(parse_manager("session"), std::nullopt);
  EXPECT_EQ(manager_name(Manager::user), "user");
}

// runc's test for a systemd host: /run/systemd/system is a directory. Without it nothing is asked of D-Bus.
TEST(SystemdScope, NoManagerWhereNoSystemdRuns) {
  struct stat st {};
  if (::stat("/run/systemd/system", &st) == 0) GTEST_SKIP() << "systemd runs here (/run/systemd/system exists)";
  EXPECT_EQ(reachable_manager(), std::nullopt);
  EXPECT_TRUE(built_with_sd_bus()) << "the dev build has sd-bus (REINS_SYSTEMD)";
}

}  // namespace
}  // namespace reins::systemd
