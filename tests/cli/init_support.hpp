// Shared by the `reins init` black-box tests: command lines as a subreaper or as PID 1 of a fresh PID
// namespace, and finding the reins process to signal it.
#pragma once

#include <unistd.h>

#include <ostream>
#include <string>
#include <vector>

#include "support/spawned.hpp"
#include "support/support.hpp"

namespace reins::test {

enum class As { subreaper, pid1 };
inline void PrintTo(As as, std::ostream* os) { *os << (as == As::pid1 ? "pid1" : "subreaper"); }

inline std::vector<std::string> init_argv(As as, std::vector<std::string> options, std::vector<std::string> cmd) {
  std::vector<std::string> argv;
  if (as == As::pid1) argv = {"unshare", "--pid", "--fork", "--mount-proc"};
  argv.push_back(reins_bin());
  argv.push_back("init");
  if (as == As::subreaper) argv.push_back("--subreaper");
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

// Skips unless we may create a PID namespace (root with CAP_SYS_ADMIN, unshare present).
#define REINS_REQUIRE_PID_NAMESPACE()                                                         \
  do {                                                                                        \
    REINS_REQUIRE_ROOT();                                                                     \
    if (::reins::test::run_capture({"unshare", "--pid", "--fork", "true"}).exit_code != 0)    \
      GTEST_SKIP() << "cannot create a PID namespace here (unshare --pid --fork true fails)"; \
  } while (0)

#define REINS_REQUIRE_AS(as)                                            \
  do {                                                                  \
    if ((as) == ::reins::test::As::pid1) REINS_REQUIRE_PID_NAMESPACE(); \
  } while (0)

// Parameterised over both ways to run init: each test file derives its own suite from this.
class InitAs : public ::testing::TestWithParam<As> {};

// The reins process of a started init: itself as subreaper, unshare's only child as PID 1. Call it after the
// command has printed "ready" (reins exists then).
inline Process reins_process(Spawned& s, As as) {
  if (as == As::subreaper) return Process::open(s.process.pid());
  auto kids = children(s.process.pid());
  EXPECT_EQ(kids.size(), 1u);
  return Process::open(kids.at(0));
}

inline std::string as_name(const ::testing::TestParamInfo<As>& info) {
  return info.param == As::pid1 ? "Pid1" : "Subreaper";
}

#define REINS_INSTANTIATE_AS(suite) \
  INSTANTIATE_TEST_SUITE_P(Both, suite, ::testing::Values(As::subreaper, As::pid1), as_name)

}  // namespace reins::test
