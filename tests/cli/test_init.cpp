// reins init, black box: exit statuses, option parsing, signal forwarding (as a subreaper and as PID 1 of a
// fresh PID namespace), signal rewriting, inherited signal state, timeouts.
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "init_support.hpp"

namespace reins::test {
namespace {

class InitBasics : public InitAs {};

TEST_P(InitBasics, ExitsWithTheCommandsExitCode) {
  REINS_REQUIRE_AS(GetParam());
  auto out = run_capture(init_argv(GetParam(), {}, {testproc(), "exit", "3"}));
  EXPECT_EQ(out.exit_code, 3) << out.err;
  EXPECT_EQ(run_capture(init_argv(GetParam(), {}, {testproc(), "exit", "0"})).exit_code, 0);
}

TEST(Init, OptionsEndAtTheCommandWithoutDoubleDash) {
  // "-c" belongs to sh: were it parsed as reins' option, this would be a usage error (125).
  auto out = run_capture({reins_bin(), "init", "--subreaper", "sh", "-c", "exit 4"});
  EXPECT_EQ(out.exit_code, 4) << out.err;
}

TEST(Init, CommandNotFoundIs127) {
  auto out = run_capture({reins_bin(), "init", "--subreaper", "--", "/nonexistent/reins-no-such-command"});
  EXPECT_EQ(out.exit_code, 127);
  EXPECT_NE(out.err.find("not found"), std::string::npos) << out.err;
}

// Said with -v only: a plain `reins init -- cmd` outside a container printed it on every use.
TEST(Init, SaysWhenNeitherPid1NorSubreaperOnlyWithVerbose) {
  auto out = run_capture({reins_bin(), "init", "-v", "--", testproc(), "exit", "0"});
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_NE(out.err.find("neither PID 1 nor a subreaper"), std::string::npos) << out.err;
  EXPECT_EQ(run_capture({reins_bin(), "init", "--", testproc(), "exit", "0"}).err, "");
  EXPECT_EQ(
      run_capture({reins_bin(), "init", "--subreaper", "-v", "--", testproc(), "exit", "0"}).err.find("neither PID 1"),
      std::string::npos);
}

TEST(Init, RejectsBadOptionValuesQuotingThem) {
  auto out = run_capture({reins_bin(), "init", "--rewrite", "TERM-QUIT", "--", "true"});
  EXPECT_EQ(out.exit_code, 125);
  EXPECT_NE(out.err.find("'TERM-QUIT'"), std::string::npos) << out.err;
  out = run_capture({reins_bin(), "init", "-e", "256", "--", "true"});
  EXPECT_EQ(out.exit_code, 125);
  EXPECT_NE(out.err.find("'256'"), std::string::npos) << out.err;
}

// Sends `sig` to reins once the command is ready; returns reins' exit code.
int exit_after_signal(As as, std::vector<std::string> options, int sig) {
  auto s = Spawned::start(init_argv(as, std::move(options), {testproc(), "pause"}));
  EXPECT_TRUE(s.out.until("ready"));
  reins_process(s, as).signal(sig);
  return s.wait();
}

TEST_P(InitBasics, ExitIs128PlusTheSignalThatKilledTheCommand) {
  REINS_REQUIRE_AS(GetParam());
  EXPECT_EQ(exit_after_signal(GetParam(), {}, SIGTERM), 128 + SIGTERM);
  EXPECT_EQ(exit_after_signal(GetParam(), {}, SIGINT), 128 + SIGINT);
}

TEST_P(InitBasics, SuccessExitTurnsThatCodeIntoZero) {
  REINS_REQUIRE_AS(GetParam());
  EXPECT_EQ(exit_after_signal(GetParam(), {"--success-exit", "143"}, SIGTERM), 0);
  // Only the codes named: a death by SIGINT (130) stays 130.
  EXPECT_EQ(exit_after_signal(GetParam(), {"-e", "143"}, SIGINT), 130);
}

// Starts `signals` under init, sends each of `sent` to reins, and returns the lines the command printed.
std::vector<std::string> forwarded(As as, std::vector<std::string> options, const std::vector<int>& sent) {
  auto s = Spawned::start(init_argv(as, std::move(options), {testproc(), "signals"}));
  EXPECT_TRUE(s.out.until("ready"));
  Process reins = reins_process(s, as);
  std::vector<std::string> lines;
  for (int sig : sent) {
    reins.signal(sig);
    auto l = s.out.line();  // one line per signal, in order: the next is sent after this one arrived
    lines.push_back(l.value_or("<nothing within 20s>"));
  }
  reins.signal(SIGUSR2);  // ends `signals` with 0
  EXPECT_TRUE(s.out.until(strsignal(SIGUSR2)));
  EXPECT_EQ(s.wait(), 0);
  return lines;
}

TEST_P(InitBasics, ForwardsTermIntHupUsr1ToTheCommand) {
  REINS_REQUIRE_AS(GetParam());
  std::vector<int> sent{SIGTERM, SIGINT, SIGHUP, SIGUSR1};
  auto lines = forwarded(GetParam(), {}, sent);
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(lines[i], strsignal(sent[i]));
}

TEST_P(InitBasics, ForwardsFaultAndJobControlSignalsSentWithKill) {
  // tini dies of ABRT/SEGV/BUS/SYS sent with kill (or drops them as PID 1); TSTP/TTIN/TTOU it ignores.
  REINS_REQUIRE_AS(GetParam());
  std::vector<int> sent{SIGABRT, SIGSEGV, SIGBUS, SIGSYS, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGRTMIN + 3};
  auto lines = forwarded(GetParam(), {}, sent);
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(lines[i], strsignal(sent[i]));
}

TEST(Init, RewritesForwardedSignalsByNameOrNumber) {
  auto lines =
      forwarded(As::subreaper, {"--rewrite", "TERM:USR1", "--rewrite", "1:SIGWINCH"}, {SIGTERM, SIGHUP, SIGINT});
  EXPECT_EQ(lines, (std::vector<std::string>{strsignal(SIGUSR1), strsignal(SIGWINCH), strsignal(SIGINT)}));
}

TEST(Init, ReportsForwardedSignalsInTheJsonReport) {
  auto s = Spawned::start({reins_bin(), "init", "--subreaper", "--json", "-", "--", testproc(), "pause"});
  ASSERT_TRUE(s.out.until("ready"));
  s.process.signal(SIGHUP);
  std::vector<std::string> seen;
  s.out.until("{", 20s, &seen);
  EXPECT_EQ(s.wait(), 128 + SIGHUP);
  auto j = nlohmann::json::parse(seen.back());
  EXPECT_EQ(j["reins_exit_code"], 128 + SIGHUP);
  EXPECT_EQ(j["signals_forwarded"], nlohmann::json::array({"SIGHUP"}));
}

TEST(Init, CommandInheritsTheSignalMaskAndIgnoredSignals) {
  // reins blocks everything while it runs; the command must still get what reins started with, as under tini.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGUSR2, &ignore, &old);  // inherited by reins through exec, as a shell's `trap '' USR2` would be
  auto s = Spawned::start(
      {reins_bin(), "init", "--subreaper", "--", "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}, mask);
  sigaction(SIGUSR2, &old, nullptr);
  std::string text = s.out.rest();
  EXPECT_EQ(s.wait(), 0);
  auto bits = [&](const std::string& key) {
    auto at = text.find(key);
    return at == std::string::npos ? 0ull : std::stoull(text.substr(at + key.size()), nullptr, 16);
  };
  EXPECT_EQ(bits("SigBlk:"), 1ull << (SIGUSR1 - 1)) << text;
  EXPECT_TRUE(bits("SigIgn:") & (1ull << (SIGUSR2 - 1))) << text;
}

TEST(Init, TimeoutEndsTheCommandWith124) {
  auto out = run_capture({reins_bin(), "init", "--subreaper", "--timeout", "200ms", "--", testproc(), "pause"});
  EXPECT_EQ(out.exit_code, 124);
  EXPECT_NE(out.err.find("timed out"), std::string::npos) << out.err;
}

REINS_INSTANTIATE_AS(InitBasics);

}  // namespace
}  // namespace reins::test
