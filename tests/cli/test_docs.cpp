// The man page and the bash, zsh and fish completions are generated from the option tables: check that they
// carry every command and option, and that the completions actually complete.
#include <gtest/gtest.h>

#include <unistd.h>

#include <regex>
#include <sstream>

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

bool have(const char* program) {
  return run_capture({"/bin/sh", "-c", std::string("command -v ") + program}).exit_code == 0;
}

// Every option each command's --help lists, in the man page and in all three completions.
TEST(CliDocs, TheManPageAndEveryCompletionListEveryOptionOfEveryCommand) {
  const std::string man = run_capture({reins_bin(), "--man"}).out;
  const std::string bash = run_capture({reins_bin(), "--completion", "bash"}).out;
  const std::string zsh = run_capture({reins_bin(), "--completion", "zsh"}).out;
  const std::string fish = run_capture({reins_bin(), "--completion", "fish"}).out;
  const std::regex option(R"(^  (?:-[A-Za-z], )?    ?--([a-z0-9-]+))");
  int seen = 0;
  for (const char* cmd : {"run", "init", "job", "limit", "mem", "watch", "plot"}) {
    std::istringstream help(run_capture({reins_bin(), cmd, "--help"}).out);
    for (std::string line; std::getline(help, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, option) || m[1] == "help") continue;
      ++seen;
      std::string name = m[1], roff;
      for (char c : "--" + name) roff += c == '-' ? std::string("\\-") : std::string(1, c);
      EXPECT_NE(man.find(roff), std::string::npos) << "man page: reins " << cmd << " --" << name;
      EXPECT_NE(bash.find("--" + name + " "), std::string::npos) << "bash: reins " << cmd << " --" << name;
      EXPECT_NE(zsh.find("--" + name), std::string::npos) << "zsh: reins " << cmd << " --" << name;
      EXPECT_NE(fish.find("__fish_seen_subcommand_from " + std::string(cmd) + "' -l " + name + " "), std::string::npos)
          << "fish: reins " << cmd << " --" << name;
    }
  }
  EXPECT_GT(seen, 60) << "the --help parsing found too few options to mean anything";
}

TEST(CliDocs, ZshAndFishCompletionsAreValidScripts) {
  if (!have("zsh") || !have("fish")) GTEST_SKIP() << "zsh or fish is not installed (scripts/setup-debian.sh)";
  for (const char* shell : {"zsh", "fish"}) {
    auto out =
        run_capture({"/bin/sh", "-c", std::string(reins_bin()) + " --completion " + shell + " | " + shell + " -n"});
    EXPECT_EQ(out.exit_code, 0) << shell << ": " << out.err;
  }
}

TEST(CliDocs, FishCompletionCompletesOptionsValuesAndOperands) {
  if (!have("fish")) GTEST_SKIP() << "fish is not installed (scripts/setup-debian.sh)";
  auto complete_fish = [](const std::string& line) {
    auto out =
        run_capture({"fish", "-c",
                     "source (" + std::string(reins_bin()) + " --completion fish | psub); complete -C '" + line + "'"});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    return out.out;
  };
  EXPECT_NE(complete_fish("reins ru").find("run"), std::string::npos);
  EXPECT_NE(complete_fish("reins run --cpu-t").find("--cpu-time"), std::string::npos);
  EXPECT_NE(complete_fish("reins run --signal ").find("KILL"), std::string::npos);
  EXPECT_NE(complete_fish("reins job c").find("clean"), std::string::npos);
  EXPECT_EQ(complete_fish("reins run --memory ").find("--"), std::string::npos) << "a size is not an option";
}

TEST(CliDocs, BashCompletesPidsForMemAndFilesForPlot) {
  if (access("/bin/bash", X_OK) != 0 && access("/usr/bin/bash", X_OK) != 0)
    GTEST_SKIP() << "no bash to run the completion in (VM lanes: busybox only)";
  EXPECT_NE((" " + complete("reins mem 1", 2)).find(" 1 "), std::string::npos) << "pid 1";
  EXPECT_NE(complete("reins plot /et", 2).find("/etc"), std::string::npos);
}

TEST(CliDocs, UnknownCompletionShellIsAnError) {
  auto out = run_capture({reins_bin(), "--completion", "tcsh"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.err.find("bash"), std::string::npos);
}

}  // namespace
}  // namespace reins::test
