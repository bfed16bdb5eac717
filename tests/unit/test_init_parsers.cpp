// The text init parses: --rewrite, --success-exit, and the procfs files it walks the process tree with.
#include <gtest/gtest.h>
#include <signal.h>

#include "procfs/tree_parse.hpp"
#include "reins/init.hpp"

namespace reins {
namespace {

TEST(SignalRewrite, TakesNamesNumbersAndZeroToDrop) {
  auto r = parse_signal_rewrite("TERM:QUIT");
  EXPECT_EQ(r.from, SIGTERM);
  EXPECT_EQ(r.to, SIGQUIT);
  r = parse_signal_rewrite("sigterm:3");
  EXPECT_EQ(r.from, SIGTERM);
  EXPECT_EQ(r.to, SIGQUIT);
  r = parse_signal_rewrite("15:0");
  EXPECT_EQ(r.from, SIGTERM);
  EXPECT_EQ(r.to, 0);
  EXPECT_EQ(parse_signal_rewrite("RTMIN+1:HUP").from, SIGRTMIN + 1);
}

TEST(SignalRewrite, RejectsBadFormsQuotingThem) {
  for (const char* bad : {"", "TERM", "TERM:", ":QUIT", "TERM:QUIT:HUP", "0:TERM", "TERM;QUIT", "NOPE:TERM", "15:99"}) {
    try {
      parse_signal_rewrite(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("'"), std::string::npos) << e.what();
    }
  }
}

TEST(ExitCode, AcceptsZeroTo255Only) {
  EXPECT_EQ(parse_exit_code("0"), 0);
  EXPECT_EQ(parse_exit_code("143"), 143);
  EXPECT_EQ(parse_exit_code("255"), 255);
  for (const char* bad : {"", "256", "-1", "1e2", " 1", "0x10", "abc"})
    EXPECT_THROW(parse_exit_code(bad), InvalidArgument) << bad;
}

TEST(ProcStat, ParentIsReadAfterTheLastParenthesisOfTheName) {
  EXPECT_EQ(procfs::parse_stat_ppid("42 (sleep) S 7 42 42 0 -1"), 7);
  // A process may name itself so as to look like the rest of the line.
  EXPECT_EQ(procfs::parse_stat_ppid("42 (evil) S 1 (x) R 99 1 1 0"), 99);
  EXPECT_EQ(procfs::parse_stat_ppid("42 (a b) Z 0 0"), 0);  // no parent (pid 1, kernel threads)
  EXPECT_EQ(procfs::parse_stat_ppid("42 (x)"), std::nullopt);
  EXPECT_EQ(procfs::parse_stat_ppid(""), std::nullopt);
}

TEST(ProcChildren, ListsThePids) {
  std::vector<pid_t> pids;
  auto add = [&](pid_t p) { pids.push_back(p); };
  procfs::for_each_pid("12 345 6 ", add);
  procfs::for_each_pid("", add);
  procfs::for_each_pid("7\n", add);
  EXPECT_EQ(pids, (std::vector<pid_t>{12, 345, 6, 7}));
}

}  // namespace
}  // namespace reins
