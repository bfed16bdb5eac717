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
  for (const char* needle :
       {"reins run", "reins limit", "\\-\\-rlimit", "\\-\\-timeout", "\\-\\-kill\\-after", "EXIT STATUS"})
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
  EXPECT_EQ(complete("reins job c", 2), "create clean\n") << "a job's actions";
}

TEST(CliDocs, BashCompletionCompletesJobNamesAfterTheAction) {
  if (access("/bin/bash", X_OK) != 0 && access("/usr/bin/bash", X_OK) != 0)
    GTEST_SKIP() << "no bash to run the completion in (VM lanes: busybox only)";
  std::string name = unique_name("reins-test-complete");
  auto created = run_capture({reins_bin(), "job", "create", name});
  if (created.exit_code != 0) GTEST_SKIP() << "cannot make a job here: " << created.err;
  if (run_capture({reins_bin(), "job", "list"}).out.find(name) == std::string::npos) {
    run_capture({reins_bin(), "job", "rm", name});
    GTEST_SKIP() << "'reins job list' cannot tell jobs here (no user xattrs on the core cgroup file system)";
  }
  auto names = complete(std::string(reins_bin()) + " job rm reins-test-compl", 3);
  run_capture({reins_bin(), "job", "rm", name});
  EXPECT_NE(names.find(name), std::string::npos) << names;
}

TEST(CliDocs, UnknownCompletionShellIsAnError) {
  auto out = run_capture({reins_bin(), "--completion", "tcsh"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.err.find("bash"), std::string::npos);
}

}  // namespace
}  // namespace reins::test
