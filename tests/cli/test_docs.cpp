// The man page and the bash completion are generated from the option tables: check that they carry every
// command and option, and that the completion actually completes in bash.
#include <gtest/gtest.h>

#include <unistd.h>

#include "support/support.hpp"

namespace reins::test {
namespace {

std::string complete(const std::string& words, int cword) {
  std::string script = "source <(\"" + std::string(reins_bin()) +
                       "\" --completion bash); _command_offset() { COMPREPLY=(CMD); }; COMP_WORDS=(" + words +
                       "); COMP_CWORD=" + std::to_string(cword) + "; _reins; echo \"${COMPREPLY[*]}\"";
  auto out = run_capture({"bash", "-c", script});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  return out.out;
}

TEST(CliDocs, ManPageHasEveryCommandAndOption) {
  auto man = run_capture({reins_bin(), "--man"});
  ASSERT_EQ(man.exit_code, 0);
  EXPECT_EQ(man.out.rfind(".TH REINS 1", 0), 0u);
  auto help = run_capture({reins_bin(), "run", "--help"});
  for (const char* needle : {"reins run", "reins limit", "\\-\\-rlimit", "\\-\\-timeout", "\\-\\-kill\\-after",
                             "EXIT STATUS"})
    EXPECT_NE(man.out.find(needle), std::string::npos) << needle;
}

TEST(CliDocs, BashCompletionCompletesCommandsOptionsAndValues) {
  if (access("/bin/bash", X_OK) != 0 && access("/usr/bin/bash", X_OK) != 0)
    GTEST_SKIP() << "no bash to run the completion in (VM lanes: busybox only)";
  EXPECT_NE(complete("reins li", 1).find("limit"), std::string::npos);
  EXPECT_NE(complete("reins run --rl", 2).find("--rlimit"), std::string::npos);
  EXPECT_NE(complete("reins run --rlimit no", 3).find("nofile="), std::string::npos);
  EXPECT_NE(complete("reins limit me", 2).find("memlock="), std::string::npos);
  EXPECT_EQ(complete("reins run -- ls", 3), "CMD\n") << "after -- it completes the command being run";
}

TEST(CliDocs, UnknownCompletionShellIsAnError) {
  auto out = run_capture({reins_bin(), "--completion", "tcsh"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.err.find("bash"), std::string::npos);
}

}  // namespace
}  // namespace reins::test
